package io.ironfence.spring.data;

import io.ironfence.Guard;
import io.ironfence.LockTimeoutException;
import io.ironfence.ObservableLock;
import io.ironfence.RWLock;
import io.ironfence.WriteGuard;
import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spring.KeyedLock;
import io.ironfence.spring.LockType;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceMetricsAutoConfiguration;
import io.ironfence.spring.micrometer.LockRegistryMetrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.jpa.autoconfigure.DataJpaRepositoriesAutoConfiguration;
import org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.ironfence.micrometer.LockMetrics.LOCK_TAG;
import static io.ironfence.micrometer.LockMetrics.MODE_TAG;
import static io.ironfence.micrometer.LockMetrics.OUTCOME_TAG;
import static io.ironfence.micrometer.LockMetrics.WAIT;
import static io.ironfence.spring.StartupFailures.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lock annotations on Spring Data JPA repository interfaces, on an in-memory H2 database: the
 * repositories are JDK proxies made by a factory bean, whose target ({@code SimpleJpaRepository})
 * implements none of the user's interfaces.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpringDataRepositoryTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                    HibernateJpaAutoConfiguration.class, DataJpaRepositoriesAutoConfiguration.class,
                    IronFenceAutoConfiguration.class, IronFenceMetricsAutoConfiguration.class))
            .withUserConfiguration(RepositoryApplication.class)
            .withPropertyValues("spring.datasource.generate-unique-name=true", "ironfence.locks.owner.keyed=true");

    @Test
    void anUndeclaredNameReadLockedOnARepositoryIsAnRWLockWithMetersFromStartUp() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            assertThat(registry.find("ownerSearch")).hasValueSatisfying(
                    lock -> assertThat(lock.getType()).isEqualTo(LockType.RWLOCK));
            MeterRegistry meters = new SimpleMeterRegistry();
            context.getBean(LockRegistryMetrics.class).bindTo(meters);
            for (String lock : new String[] {"ownerSearch", "owner", "vets"}) {
                assertThat(meters.get(WAIT).tags(LOCK_TAG, lock, OUTCOME_TAG, "acquired").timers())
                        .as(lock).isNotEmpty().allSatisfy(timer -> assertThat(timer.count()).isZero());
            }

            OwnerRepository owners = context.getBean(OwnerRepository.class);
            owners.save(new Owner("Franklin"));
            assertThat(owners.findByLastNameStartingWith("Fr")).extracting(Owner::getLastName).containsExactly("Franklin");
            assertThat(meters.get(WAIT).tags(LOCK_TAG, "ownerSearch", MODE_TAG, "shared",
                    OUTCOME_TAG, "acquired").timer().count()).isOne();
        });
    }

    @Test
    void everyAnnotatedRepositoryMethodTakesItsLock() {
        runner.run(context -> {
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            OwnerRepository owners = context.getBean(OwnerRepository.class);
            VetRepository vets = context.getBean(VetRepository.class);
            Integer id = owners.save(new Owner("Davis")).getId();

            RWLock<?> ownerSearch = registry.getRWLock("ownerSearch");
            try (WriteGuard<?> held = ownerSearch.writeAsync().join()) { // an async hold: no owner thread to pass through
                // a derived query, and findAll, which the interface redeclares from JpaRepository
                assertThatThrownBy(() -> owners.findByLastNameStartingWith("D")).isInstanceOf(LockTimeoutException.class);
                assertThatThrownBy(owners::findAll).isInstanceOf(LockTimeoutException.class)
                        .hasMessageContaining("'ownerSearch'");
            }
            assertThat(owners.findAll()).hasSize(1);

            // findById, redeclared with a keyed lock: the programmatic KeyedLock and the repository meet
            KeyedLock owner = registry.getKeyed("owner");
            try (var held = owner.lockAsync(id).join()) {
                assertThatThrownBy(() -> owners.findById(id)).isInstanceOf(LockTimeoutException.class)
                        .hasMessageContaining("(key '" + id + "')");
                assertThat(owners.findById(id + 1)).isEmpty(); // another key is free
            }
            assertThat(owners.findById(id)).isPresent();

            // the type's annotation covers a cached method and one inherited from nothing it redeclares
            RWLock<?> vetsLock = registry.getRWLock("vets");
            assertThat(vets.findAll()).hasSize(1);
            try (WriteGuard<?> held = vetsLock.writeAsync().join()) {
                assertThatThrownBy(vets::findAll).isInstanceOf(LockTimeoutException.class); // though cached
                assertThatThrownBy(() -> vets.findById(id)).isInstanceOf(LockTimeoutException.class);
            }
            assertThat(vets.findById(id)).isPresent();
            assertThat(vetsLock.isLocked()).isFalse();
            assertThat(owner.getLiveKeyCount()).isZero();
        });
    }

    @Test
    void theLockIsTakenBeforeTheRepositorysTransactionBeginsAndReleasedAfterItEnds() {
        runner.run(context -> {
            List<Boolean> transactionActive = new CopyOnWriteArrayList<>();
            context.getBean(NamedLockRegistry.class).get("ownerSearch").addListener(new LockListener() {
                @Override
                public void onAcquire(ObservableLock lock, Guard<?> guard, LockMode mode, long requestNanos,
                        long grantNanos, boolean waited, boolean async) {
                    transactionActive.add(TransactionSynchronizationManager.isActualTransactionActive());
                }

                @Override
                public void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos,
                        long releaseNanos) {
                    transactionActive.add(TransactionSynchronizationManager.isActualTransactionActive());
                }
            });
            context.getBean(OwnerRepository.class).findAll();
            assertThat(transactionActive).containsExactly(false, false);
        });
    }

    @Test
    void strictModeFailsTheStartUpForAnUndeclaredNameOnARepository() {
        runner.withPropertyValues("ironfence.strict=true", "ironfence.locks.vets.type=rwlock")
                .run(context -> assertThat(messages(context))
                        .contains("@ReadLocked(\"ownerSearch\") on " + OwnerRepository.class.getName())
                        .contains("ironfence.strict=true"));
    }

    @Test
    void aReadLockOnANameDeclaredAsAMutexFailsTheStartUp() {
        runner.withPropertyValues("ironfence.locks.ownerSearch.type=mutex")
                .run(context -> assertThat(messages(context))
                        .contains("@ReadLocked(\"ownerSearch\") on " + OwnerRepository.class.getName())
                        .contains("ironfence.locks.ownerSearch.type=rwlock"));
    }

    @Test
    void aCacheableProxyAroundTheRepositoryDrawsNoWarning(CapturedOutput output) {
        runner.run(context -> assertThat(context).hasNotFailed());
        assertThat(output).doesNotContain("has no effect").doesNotContain("$Proxy");
    }
}
