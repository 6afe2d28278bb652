package io.ironfence.spring.data;

import io.ironfence.annotation.ReadLocked;

import org.springframework.cache.annotation.Cacheable;
import org.springframework.data.repository.Repository;

import java.util.Collection;
import java.util.Optional;

/**
 * A repository locked as a whole by an annotation on its type, with {@code @Cacheable} on a method
 * (a second proxy around Spring Data's, as in PetClinic's {@code VetRepository}).
 */
@ReadLocked(value = "vets", timeout = "${test.lock-timeout:100ms}")
public interface VetRepository extends Repository<Owner, Integer> {

    @Cacheable("vets")
    Collection<Owner> findAll();

    /** Not redeclared with an annotation: the type's annotation covers it. */
    Optional<Owner> findById(Integer id);
}
