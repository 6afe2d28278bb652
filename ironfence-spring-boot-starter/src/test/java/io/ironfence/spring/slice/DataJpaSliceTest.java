package io.ironfence.spring.slice;

import io.ironfence.LockTimeoutException;
import io.ironfence.WriteGuard;
import io.ironfence.spring.LockType;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.data.Owner;
import io.ironfence.spring.data.OwnerRepository;
import io.ironfence.spring.data.RepositoryApplication;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code @DataJpaTest} includes IronFence: repository lock annotations are applied in the slice. */
@DataJpaTest
@TestPropertySource(properties = "ironfence.locks.owner.keyed=true")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataJpaSliceTest {

    @SpringBootConfiguration
    @Import(RepositoryApplication.class)
    static class App {
    }

    @Autowired
    OwnerRepository owners;

    @Autowired
    NamedLockRegistry registry;

    @Test
    void theRepositorysLockIsTakenInTheSlice() {
        owners.save(new Owner("Escobito"));
        assertThat(registry.get("ownerSearch").getType()).isEqualTo(LockType.RWLOCK);
        try (WriteGuard<Object> held = registry.getRWLock("ownerSearch").writeAsync().join()) {
            assertThatThrownBy(() -> owners.findByLastNameStartingWith("E")).isInstanceOf(LockTimeoutException.class);
        }
        assertThat(owners.findByLastNameStartingWith("E")).hasSize(1);
    }
}
