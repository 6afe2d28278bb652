package io.ironfence.spring;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** Test helper: the messages of a failed start-up. */
public final class StartupFailures {

    private StartupFailures() {
    }

    /** @return every message of the start-up failure's cause chain, so a test can find the one it expects */
    public static String messages(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        StringBuilder messages = new StringBuilder();
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }
}
