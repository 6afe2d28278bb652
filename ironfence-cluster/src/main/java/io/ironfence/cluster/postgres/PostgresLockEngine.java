package io.ironfence.cluster.postgres;

import io.ironfence.cluster.ClusterLockEngine;

import org.jspecify.annotations.Nullable;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Cluster locks on PostgreSQL session-level advisory locks ({@code pg_advisory_lock},
 * {@code pg_advisory_lock_shared}): no table, no lease, no clock. The server queues waiters in
 * arrival order and releases everything a session held when the session ends, so a crashed
 * instance cannot keep a lock.
 *
 * <h2>Sessions</h2>
 * Every waiting or held request has a connection of its own, opened by the engine (never taken from
 * the application's pool: a pool would hand the session, and the lock, to someone else), at most
 * {@link Settings#maxConnections()} at once; requests beyond that wait for a session, within their
 * timeout. A released session returns to an idle list for the next request. Each session runs with
 * {@code statement_timeout}, {@code idle_session_timeout} and
 * {@code idle_in_transaction_session_timeout} off (a global setting would kill holds and waits), and
 * is named {@link Settings#instanceId()} ({@code application_name}) so that {@code pg_stat_activity}
 * shows which instance holds what.
 *
 * <h2>Waiting</h2>
 * pgjdbc blocks the calling thread in a socket read, so each remote wait runs on an engine thread
 * and the caller gets a future. The timeout is the server's {@code lock_timeout}; cancelling the
 * future sends a protocol cancel. A cancel request names the session, not the statement, and may
 * arrive after the wait ended, where it would cancel whatever runs next on that session: a session
 * whose wait was cancelled is therefore closed, never reused (closing it also releases a grant that
 * raced with the cancel).
 *
 * <h2>Loss</h2>
 * Held sessions are probed every {@link Settings#heartbeat()} with a query that must answer within
 * {@link Settings#connectTimeout()}. A session that fails the probe (terminated by an administrator, server restart, network
 * cut) has lost its locks: the hold turns invalid, {@link RemoteHold#whenLost()} completes, an ERROR
 * is logged and the loss listeners are told. Detection takes at most a heartbeat plus the connect
 * timeout.
 *
 * <h2>Fencing tokens</h2>
 * A grant takes the next number of a counter per key in table {@code ironfence_fencing_tokens},
 * on the lock's own session while it holds the lock, when its holder first asks for its token (a
 * commit, so a disk flush: holders that never ask pay nothing), so tokens strictly increase per key across
 * the cluster. The engine creates the table on start if it can; without {@code CREATE} on the
 * schema (and {@code INSERT}/{@code UPDATE} on the table) it logs a warning once and issues no
 * tokens ({@link RemoteHold#fencingToken()} answers -1).
 */
public final class PostgresLockEngine implements ClusterLockEngine {

    private static final System.Logger logger = System.getLogger(PostgresLockEngine.class.getName());

    /** The server's answer to a wait that ran past {@code lock_timeout}. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private static final String FENCING_TABLE = "ironfence_fencing_tokens";
    /** A hold's token before its holder asked for it. */
    private static final long UNISSUED = Long.MIN_VALUE;
    private static final String NEXT_TOKEN = "INSERT INTO " + FENCING_TABLE + " AS f (lock_key, token) VALUES (?, 1) "
            + "ON CONFLICT (lock_key) DO UPDATE SET token = f.token + 1 RETURNING token";

    /**
     * How the engine connects.
     *
     * @param url            the JDBC URL of the database whose advisory locks are used
     * @param username       the user, or null for the URL's
     * @param password       the password, or null
     * @param instanceId     this instance's name in {@code pg_stat_activity.application_name}
     * @param maxConnections the most sessions open at once (held, waiting or idle)
     * @param heartbeat      how often held sessions are probed
     * @param connectTimeout how long opening a session, or a probe of a held one, may take
     * @param fencingTokens  whether grants get fencing tokens: a durable write per grant (a commit,
     *                       so a disk flush on the server); off for locks that only save duplicate
     *                       work and have no resource that checks tokens
     */
    public record Settings(String url, @Nullable String username, @Nullable String password, String instanceId,
            int maxConnections, Duration heartbeat, Duration connectTimeout, boolean fencingTokens) {

        public Settings {
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("The cluster lock URL must be a PostgreSQL JDBC URL "
                        + "(jdbc:postgresql://host:5432/database), was " + url);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("max-connections must be at least 1, was " + maxConnections);
            }
            if (heartbeat.isNegative() || heartbeat.isZero() || connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("heartbeat and connect-timeout must be positive durations");
            }
        }

        /**
         * Defaults: this process as the instance, 16 sessions, a 2 s heartbeat, a 5 s connect
         * timeout, fencing tokens on.
         */
        public static Settings of(String url, @Nullable String username, @Nullable String password) {
            return new Settings(url, username, password, "ironfence-" + ProcessHandle.current().pid(), 16,
                    Duration.ofSeconds(2), Duration.ofSeconds(5), true);
        }

        public Settings withInstanceId(String instanceId) {
            return new Settings(url, username, password, instanceId, maxConnections, heartbeat, connectTimeout,
                    fencingTokens);
        }

        public Settings withMaxConnections(int maxConnections) {
            return new Settings(url, username, password, instanceId, maxConnections, heartbeat, connectTimeout,
                    fencingTokens);
        }

        public Settings withHeartbeat(Duration heartbeat) {
            return new Settings(url, username, password, instanceId, maxConnections, heartbeat, connectTimeout,
                    fencingTokens);
        }

        public Settings withConnectTimeout(Duration connectTimeout) {
            return new Settings(url, username, password, instanceId, maxConnections, heartbeat, connectTimeout,
                    fencingTokens);
        }

        public Settings withFencingTokens(boolean fencingTokens) {
            return new Settings(url, username, password, instanceId, maxConnections, heartbeat, connectTimeout,
                    fencingTokens);
        }
    }

    private final Settings settings;
    /** One permit per busy session (waiting or held); idle sessions hold none, so open sessions never exceed the max. */
    private final Semaphore busy;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger open = new AtomicInteger();
    private final ExecutorService waits;
    private final ScheduledExecutorService heartbeats;
    private final Set<Request> pending = ConcurrentHashMap.newKeySet();
    private final Set<Hold> holds = ConcurrentHashMap.newKeySet();
    private final List<Consumer<RemoteHold>> lossListeners = new CopyOnWriteArrayList<>();
    private final boolean fencing;
    private volatile boolean closed;

    /**
     * Connects once to check the server and prepare the fencing-token table.
     *
     * @param settings how to connect
     * @throws IllegalStateException if the server cannot be reached or refuses the login, with the
     *                               server's reason and what to check
     */
    public PostgresLockEngine(Settings settings) {
        this.settings = settings;
        this.busy = new Semaphore(settings.maxConnections(), true);
        this.waits = Executors.newCachedThreadPool(daemon("ironfence-cluster-wait-"));
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(daemon("ironfence-cluster-heartbeat-"));
        try (Connection c = connect()) {
            this.fencing = settings.fencingTokens() && prepareFencingTable(c);
        } catch (SQLException e) {
            waits.shutdownNow();
            heartbeats.shutdownNow();
            throw new IllegalStateException("Cannot reach the cluster lock database at " + settings.url() + " as "
                    + (settings.username() != null ? "user '" + settings.username() + "'" : "the URL's user") + ": "
                    + e.getMessage() + ". Check ironfence.cluster.url, username and password, and that the server "
                    + "accepts connections from this host.", e);
        }
        long period = settings.heartbeat().toNanos();
        heartbeats.scheduleWithFixedDelay(this::probeHolds, period, period, TimeUnit.NANOSECONDS);
    }

    /** @param listener told of every hold found lost (for meters and logs); runs on the heartbeat thread */
    public void onLoss(Consumer<RemoteHold> listener) {
        lossListeners.add(listener);
    }

    /** @return whether grants carry fencing tokens (the token table is usable) */
    public boolean issuesFencingTokens() {
        return fencing;
    }

    @Override
    public CompletableFuture<RemoteHold> acquire(long lockKey, boolean shared, @Nullable Duration timeout) {
        Request request = new Request(lockKey, shared, timeout);
        // However the caller's future ends early (cancel, its own completion), the request is withdrawn.
        request.future.whenComplete((hold, failure) -> {
            if (failure != null) {
                request.cancel();
            }
        });
        if (closed) {
            request.future.completeExceptionally(new IllegalStateException("The cluster lock engine is closed"));
            return request.future;
        }
        pending.add(request);
        try {
            waits.execute(request);
        } catch (RejectedExecutionException e) {
            pending.remove(request);
            request.future.completeExceptionally(new IllegalStateException("The cluster lock engine is closed", e));
        }
        return request.future;
    }

    /** Only on an idle session (opening one is slow), and never ahead of callers queued for a session. */
    @Override
    public @Nullable RemoteHold tryAcquireNow(long lockKey, boolean shared) {
        if (closed || !tryAcquireBusyPermit()) {
            return null;
        }
        Connection c = idle.pollFirst();
        if (c == null) {
            busy.release();
            return null;
        }
        try (PreparedStatement attempt = c.prepareStatement(shared
                ? "SELECT pg_try_advisory_lock_shared(?)" : "SELECT pg_try_advisory_lock(?)")) {
            attempt.setLong(1, lockKey);
            boolean granted;
            try (ResultSet result = attempt.executeQuery()) {
                result.next();
                granted = result.getBoolean(1);
            }
            if (!granted) {
                giveBack(c);
                return null;
            }
            Hold hold = new Hold(c, lockKey, shared, fencing ? UNISSUED : -1L);
            holds.add(hold);
            if (closed) {
                hold.close(); // closing raced with the grant: close() may not have seen it
                return null;
            }
            return hold;
        } catch (SQLException e) {
            discard(c); // a dead idle session (a server restart): the waiting path finds a new one
            return null;
        }
    }

    private boolean tryAcquireBusyPermit() {
        try {
            return busy.tryAcquire(0L, TimeUnit.NANOSECONDS); // unlike tryAcquire(), honours the queue
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public int openSessions() {
        return open.get();
    }

    /**
     * Asks the server who holds and who waits for the key: {@code pg_locks} joined with
     * {@code pg_stat_activity}, whose {@code application_name} is each instance's id. Opens a
     * short-lived session of its own (outside {@code max-connections}): it is for operators, not
     * for the lock path.
     */
    @Override
    public List<RemoteHolder> describe(long lockKey) {
        String sql = "SELECT a.application_name, l.mode, l.granted, a.pid, a.state_change FROM pg_locks l "
                + "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.objsubid = 1 "
                + "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                + "AND l.classid::bigint = ? AND l.objid::bigint = ? ORDER BY l.granted DESC, a.state_change";
        List<RemoteHolder> found = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement statement = c.prepareStatement(sql)) {
            statement.setLong(1, lockKey >>> 32);
            statement.setLong(2, lockKey & 0xFFFF_FFFFL);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    java.sql.Timestamp since = rows.getTimestamp(5);
                    found.add(new RemoteHolder(rows.getString(1), "ShareLock".equals(rows.getString(2)),
                            rows.getBoolean(3), rows.getInt(4), since != null ? since.toInstant() : null));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot ask the cluster lock database who holds the lock: " + e.getMessage(), e);
        }
        return found;
    }

    @Override
    public void close() {
        closed = true;
        pending.forEach(Request::cancel);
        holds.forEach(Hold::close);
        heartbeats.shutdownNow();
        waits.shutdownNow();
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            closeQuietly(c);
        }
    }

    // ------------------------------------------------------------------ requests

    /** One remote wait, run on an engine thread. */
    private final class Request implements Runnable {

        private static final int QUEUED = 0;
        private static final int CONNECTING = 1;
        private static final int WAITING = 2;
        private static final int DONE = 3;
        private static final int CANCELLED = 4;

        final CompletableFuture<RemoteHold> future = new CompletableFuture<>();
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        private final long lockKey;
        private final boolean shared;
        private final @Nullable Duration timeout;
        private final long deadline;
        /** Set before the CONNECTING -> WAITING transition, so a cancel that sees WAITING sees it. */
        private volatile @Nullable Statement statement;

        Request(long lockKey, boolean shared, @Nullable Duration timeout) {
            this.lockKey = lockKey;
            this.shared = shared;
            this.timeout = timeout;
            this.deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + saturatedNanos(timeout);
        }

        /** Withdraws the request: before its wait starts, or by cancelling the wait on the server. */
        void cancel() {
            for (;;) {
                int s = state.get();
                if (s == QUEUED || s == CONNECTING) {
                    if (state.compareAndSet(s, CANCELLED)) {
                        return; // the runner sees it before it waits
                    }
                } else if (s == WAITING) {
                    if (state.compareAndSet(WAITING, CANCELLED)) {
                        Statement running = statement;
                        if (running != null) {
                            cancelUntilAnswered(running);
                        }
                        return;
                    }
                } else {
                    return; // done: a grant that nobody can receive is closed by the runner
                }
            }
        }

        /**
         * Sends the protocol cancel, and sends it again while the wait has not ended: a cancel
         * that reaches the server before the lock statement does (the runner is between its
         * WAITING transition and sending it) cancels nothing, and the wait would go on. Cancels
         * that arrive after the wait ended are harmless: a cancelled session is never reused.
         */
        private void cancelUntilAnswered(Statement running) {
            try {
                running.cancel();
            } catch (SQLException e) {
                logger.log(Level.DEBUG, "Cancelling a remote lock wait failed", e);
            }
            if (!closed) {
                try {
                    heartbeats.schedule(() -> {
                        if (statement == running) {
                            cancelUntilAnswered(running);
                        }
                    }, 50, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // closing: every session is closed, which ends the wait
                }
            }
        }

        @Override
        public void run() {
            try {
                if (state.compareAndSet(QUEUED, CONNECTING)) {
                    waitForLock();
                }
            } finally {
                pending.remove(this);
                if (!future.isDone()) { // a cancel before the wait began ended the request without an answer
                    future.completeExceptionally(new IllegalStateException("withdrawn"));
                }
            }
        }

        private void waitForLock() {
            waitForLock(false);
        }

        /**
         * @param retried whether this is the second attempt: an idle session can die unnoticed (a
         *                server restart), so a broken session met on the first statement is dropped
         *                with the other idle ones, which most likely died with it, and the wait is
         *                tried once more on a new session (a dead session held nothing)
         */
        private void waitForLock(boolean retried) {
            Connection c = borrowOrFail();
            if (c == null) {
                return;
            }
            boolean keep = false;
            boolean discard = false;
            boolean retry = false;
            try {
                boolean unlimited = deadline == Long.MAX_VALUE;
                long remaining = unlimited ? 0L : Math.max(0L, deadline - System.nanoTime());
                // lock_timeout 0 means no limit, so a deadline that has (nearly) passed is a try.
                boolean tryOnly = !unlimited && remaining < TimeUnit.MILLISECONDS.toNanos(1);
                // lock_timeout is set in the same statement (one round trip): the target list is
                // evaluated in order, so it applies to the wait that follows it.
                String timeout = Long.toString(tryOnly ? 0L : TimeUnit.NANOSECONDS.toMillis(remaining));
                String lock = tryOnly
                        ? (shared ? "pg_try_advisory_lock_shared(?)" : "pg_try_advisory_lock(?)")
                        : (shared ? "pg_advisory_lock_shared(?)" : "pg_advisory_lock(?)");
                PreparedStatement wait = c.prepareStatement("SELECT set_config('lock_timeout', ?, false), " + lock);
                wait.setString(1, timeout);
                wait.setLong(2, lockKey);
                statement = wait;
                if (!state.compareAndSet(CONNECTING, WAITING)) {
                    wait.close();
                    return; // cancelled before the wait began: the session is clean
                }
                boolean granted;
                try (ResultSet result = wait.executeQuery()) {
                    result.next();
                    granted = !tryOnly || result.getBoolean(2);
                } finally {
                    wait.close();
                    if (!state.compareAndSet(WAITING, DONE)) {
                        discard = true; // a cancel was sent: see the class comment
                    }
                }
                if (discard) {
                    return;
                }
                if (!granted) {
                    fail(timedOut());
                    return;
                }
                Hold hold = new Hold(c, lockKey, shared, fencing ? UNISSUED : -1L);
                holds.add(hold);
                keep = true;
                if (!future.complete(hold)) {
                    hold.close(); // the caller gave up as the grant came
                }
            } catch (SQLException e) {
                if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                    fail(timedOut());
                } else if (!retried && isBroken(c) && state.compareAndSet(DONE, CONNECTING)) {
                    discard = true;
                    retry = true;
                } else {
                    discard = true;
                    fail(state.get() == CANCELLED ? new IllegalStateException("withdrawn", e) : unreachable(e));
                }
            } finally {
                statement = null;
                if (c != null) { // null: a dead idle session was dropped and no new one could be had
                    if (discard) {
                        discard(c);
                    } else if (!keep) {
                        giveBack(c);
                    }
                }
            }
            if (retry) {
                drainIdle();
                waitForLock(true);
            }
        }

        /** @return a session, or null after failing the request (timeout, closing, server unreachable) */
        private @Nullable Connection borrowOrFail() {
            try {
                return borrow(deadline);
            } catch (TimeoutException e) {
                fail(timedOut());
            } catch (InterruptedException e) {
                fail(new IllegalStateException("The cluster lock engine is closing", e));
            } catch (SQLException e) {
                fail(unreachable(e));
            }
            return null;
        }

        private void fail(Throwable failure) {
            future.completeExceptionally(failure);
        }

        private TimeoutException timedOut() {
            return new TimeoutException("Timed out after " + timeout + " waiting for the cluster lock");
        }
    }

    // ------------------------------------------------------------------ holds

    /** A granted remote lock and the session that holds it. */
    private final class Hold implements RemoteHold {

        private static final int HELD = 0;
        private static final int RELEASED = 1;
        private static final int LOST = 2;

        private final Connection session;
        private final long lockKey;
        private final boolean shared;
        /** The token, once issued; {@link #UNISSUED} until the holder asks; guarded by sessionUse to issue. */
        private volatile long token;
        private final AtomicInteger state = new AtomicInteger(HELD);
        private final CompletableFuture<Void> lost = new CompletableFuture<>();
        /** Keeps a probe and the release off the session at the same time (the driver serializes, but a release must not wait for a slow probe). */
        private final ReentrantLock sessionUse = new ReentrantLock();

        Hold(Connection session, long lockKey, boolean shared, long token) {
            this.session = session;
            this.lockKey = lockKey;
            this.shared = shared;
            this.token = token;
        }

        @Override
        public long lockKey() {
            return lockKey;
        }

        @Override
        public boolean shared() {
            return shared;
        }

        /**
         * Issued on first request, on the held session: later than every earlier holder's (their
         * holds ended before this one began) and earlier than every later holder's.
         *
         * @throws IllegalStateException if the hold was lost or released before its token was issued
         */
        @Override
        public long fencingToken() {
            long current = token;
            if (current != UNISSUED) {
                return current;
            }
            sessionUse.lock();
            try {
                if (token == UNISSUED) {
                    token = issueToken();
                }
                return token;
            } finally {
                sessionUse.unlock();
            }
        }

        @Override
        public boolean isValid() {
            return state.get() == HELD;
        }

        @Override
        public long nextFencingToken() {
            if (!fencing) {
                return -1L;
            }
            sessionUse.lock();
            try {
                return issueToken();
            } finally {
                sessionUse.unlock();
            }
        }

        /** The next token of the key, on this hold's session while it holds; the caller holds sessionUse. */
        private long issueToken() {
            if (state.get() != HELD) {
                throw new IllegalStateException(this + " is no longer held: no token can be issued for it");
            }
            try {
                return nextToken(session, lockKey);
            } catch (SQLException e) {
                throw new IllegalStateException("Could not issue a fencing token for " + this + ": " + e.getMessage(), e);
            }
        }

        @Override
        public CompletableFuture<Void> whenLost() {
            return lost;
        }

        @Override
        public RemoteHold downgrade() {
            if (shared) {
                throw new IllegalStateException(this + " is already shared");
            }
            sessionUse.lock();
            try {
                if (!state.compareAndSet(HELD, RELEASED)) {
                    throw new IllegalStateException(this + " is no longer held: it cannot be downgraded");
                }
                holds.remove(this);
                // Shared first, then the exclusive one off: the session never holds nothing, and a
                // session's own holds never conflict, so the shared request is granted at once.
                try (PreparedStatement lockShared = session.prepareStatement("SELECT pg_advisory_lock_shared(?)");
                     PreparedStatement unlock = session.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    lockShared.setLong(1, lockKey);
                    lockShared.execute();
                    unlock.setLong(1, lockKey);
                    unlock.execute();
                } catch (SQLException e) {
                    discard(session); // a broken session: the server releases what it held
                    throw new IllegalStateException("Could not downgrade " + this + ": " + e.getMessage(), e);
                }
                Hold downgraded = new Hold(session, lockKey, true, token);
                holds.add(downgraded);
                return downgraded;
            } finally {
                sessionUse.unlock();
            }
        }

        @Override
        public void close() {
            release();
        }

        /** The unlock is the check: a session that answers it held the lock without a break. */
        @Override
        public boolean release() {
            if (!state.compareAndSet(HELD, RELEASED)) {
                return false; // lost (the holder was told), or released before
            }
            holds.remove(this);
            sessionUse.lock();
            try (PreparedStatement unlock = session.prepareStatement(shared
                    ? "SELECT pg_advisory_unlock_shared(?)" : "SELECT pg_advisory_unlock(?)")) {
                unlock.setLong(1, lockKey);
                unlock.execute();
                giveBack(session);
                return true;
            } catch (SQLException e) {
                // The session is broken: the server released its locks as it ended, at some time
                // during the hold. Its holder learns it from the answer; meters from whenLost.
                discard(session);
                drainIdle();
                reportLoss(e, "found at its release");
                return false;
            } finally {
                sessionUse.unlock();
            }
        }

        @Override
        public boolean verify() {
            sessionUse.lock();
            try {
                if (state.get() != HELD) {
                    return false;
                }
                session.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
                try (Statement probe = session.createStatement()) {
                    probe.execute("SELECT 1");
                }
                session.setNetworkTimeout(Runnable::run, 0);
                return true;
            } catch (SQLException e) {
                markLost(e);
                return false;
            } finally {
                sessionUse.unlock();
            }
        }

        /** Probes the session; a failure means the server no longer holds the lock for us. */
        void probe() {
            if (state.get() != HELD || !sessionUse.tryLock()) {
                return; // being released (or a probe is still running)
            }
            try {
                if (state.get() != HELD) {
                    return;
                }
                // A probe may take as long as opening a session: a short stall (a GC pause, a busy
                // machine) must not be taken for a dead session, which would give the lock away.
                session.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
                try (Statement probe = session.createStatement()) {
                    probe.execute("SELECT 1");
                }
                session.setNetworkTimeout(Runnable::run, 0);
            } catch (SQLException e) {
                markLost(e);
            } finally {
                sessionUse.unlock();
            }
        }

        private void markLost(SQLException cause) {
            if (!state.compareAndSet(HELD, LOST)) {
                return;
            }
            holds.remove(this);
            discard(session);
            drainIdle();
            reportLoss(cause, "found while held");
        }

        private void reportLoss(SQLException cause, String when) {
            logger.log(Level.ERROR, "Lost the cluster lock " + Long.toHexString(lockKey) + " (" + (shared ? "shared" : "exclusive")
                    + ") held by instance '" + settings.instanceId() + "', " + when + ": its session failed ("
                    + cause.getMessage() + "). Another instance may have held it meanwhile.", cause);
            for (Consumer<RemoteHold> listener : lossListeners) {
                try {
                    listener.accept(this);
                } catch (RuntimeException e) {
                    logger.log(Level.WARNING, "A cluster lock loss listener failed", e);
                }
            }
            lost.complete(null);
        }

        @Override
        public String toString() {
            return "RemoteHold[" + Long.toHexString(lockKey) + (shared ? ", shared" : ", exclusive")
                    + (state.get() == HELD ? ", held]" : state.get() == LOST ? ", lost]" : ", released]");
        }
    }

    private void probeHolds() {
        for (Hold hold : holds) {
            hold.probe();
        }
    }

    // ------------------------------------------------------------------ sessions

    /**
     * A session for one request: an idle one, or a new one while fewer than the maximum are busy.
     *
     * @throws TimeoutException if no session came free before the deadline
     */
    private Connection borrow(long deadline) throws InterruptedException, SQLException, TimeoutException {
        if (deadline == Long.MAX_VALUE) {
            busy.acquire();
        } else if (!busy.tryAcquire(Math.max(0L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException();
        }
        try {
            for (Connection c; (c = idle.pollFirst()) != null; ) {
                if (!c.isClosed()) {
                    return c;
                }
                open.decrementAndGet();
            }
            Connection c = connect();
            open.incrementAndGet();
            return c;
        } catch (SQLException | RuntimeException e) {
            busy.release();
            throw e;
        }
    }

    /** Closes every idle session (after one was found dead, the others most likely are too). */
    private void drainIdle() {
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            closeQuietly(c);
            open.decrementAndGet();
        }
    }

    private void giveBack(Connection c) {
        if (closed) {
            discard(c);
            return;
        }
        idle.offerFirst(c);
        busy.release();
    }

    private void discard(Connection c) {
        closeQuietly(c);
        open.decrementAndGet();
        busy.release();
    }

    private Connection connect() throws SQLException {
        Properties properties = new Properties();
        if (settings.username() != null) {
            properties.setProperty("user", settings.username());
        }
        if (settings.password() != null) {
            properties.setProperty("password", settings.password());
        }
        properties.setProperty("ApplicationName", settings.instanceId());
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("connectTimeout", Long.toString(Math.max(1L, settings.connectTimeout().toSeconds())));
        properties.setProperty("loginTimeout", Long.toString(Math.max(1L, settings.connectTimeout().toSeconds())));
        Connection c = DriverManager.getConnection(settings.url(), properties);
        try (Statement set = c.createStatement()) {
            // A lock session must outlive any global limit on statements and idle sessions.
            set.execute("SET statement_timeout = 0");
            set.execute("SET idle_in_transaction_session_timeout = 0");
            if (c.getMetaData().getDatabaseMajorVersion() >= 14) {
                set.execute("SET idle_session_timeout = 0");
            }
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
        return c;
    }

    private boolean prepareFencingTable(Connection c) {
        try (Statement create = c.createStatement()) {
            create.execute("CREATE TABLE IF NOT EXISTS " + FENCING_TABLE
                    + " (lock_key bigint PRIMARY KEY, token bigint NOT NULL)");
            return true;
        } catch (SQLException e) {
            if (tableExists(c)) {
                return true; // created by another instance at the same moment, or by a DBA
            }
            logger.log(Level.WARNING, "Cluster locks work, but without fencing tokens: table " + FENCING_TABLE
                    + " is missing and cannot be created (" + e.getMessage() + "). Create it with: CREATE TABLE "
                    + FENCING_TABLE + " (lock_key bigint PRIMARY KEY, token bigint NOT NULL), and grant INSERT and "
                    + "UPDATE on it to the lock user.");
            return false;
        }
    }

    private static boolean tableExists(Connection c) {
        try (Statement check = c.createStatement();
             ResultSet result = check.executeQuery("SELECT to_regclass('" + FENCING_TABLE + "') IS NOT NULL")) {
            return result.next() && result.getBoolean(1);
        } catch (SQLException e) {
            return false;
        }
    }

    /** On the lock's own session, while it holds the lock: the next token of the key. */
    private static long nextToken(Connection c, long lockKey) throws SQLException {
        try (PreparedStatement next = c.prepareStatement(NEXT_TOKEN)) {
            next.setLong(1, lockKey);
            try (ResultSet result = next.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    /** @return whether the session is gone (closed by the driver after an I/O error, or unanswering) */
    private static boolean isBroken(Connection c) {
        try {
            return c.isClosed() || !c.isValid(1);
        } catch (SQLException e) {
            return true;
        }
    }

    private IllegalStateException unreachable(SQLException e) {
        return new IllegalStateException("Cluster lock database at " + settings.url() + " failed: " + e.getMessage(), e);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            logger.log(Level.DEBUG, "Closing a cluster lock session failed", e);
        }
    }

    private static long saturatedNanos(Duration timeout) {
        try {
            return Math.max(0L, timeout.toNanos());
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? 0L : Long.MAX_VALUE / 2;
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
