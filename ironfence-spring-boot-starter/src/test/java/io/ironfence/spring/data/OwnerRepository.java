package io.ironfence.spring.data;

import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;

import org.springframework.data.jpa.repository.JpaRepository;

import java.util.List;
import java.util.Optional;

/**
 * A Spring Data repository with lock annotations on its interface, as PetClinic's: a derived query,
 * CRUD methods it redeclares (run by {@code SimpleJpaRepository}, outside this interface's
 * hierarchy), and a keyed lock.
 */
public interface OwnerRepository extends JpaRepository<Owner, Integer> {

    @ReadLocked(value = "ownerSearch", timeout = "${test.lock-timeout:100ms}")
    List<Owner> findByLastNameStartingWith(String lastName);

    @Override
    @ReadLocked(value = "ownerSearch", timeout = "${test.lock-timeout:100ms}")
    List<Owner> findAll();

    @Override
    @WithLock(value = "owner", key = "#id", timeout = "${test.lock-timeout:100ms}")
    Optional<Owner> findById(Integer id);
}
