package io.ironfence.spring.data;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;

/** A JPA entity for the repository tests. */
@Entity
public class Owner {

    @Id
    @GeneratedValue
    private Integer id;

    private String lastName;

    protected Owner() {
    }

    public Owner(String lastName) {
        this.lastName = lastName;
    }

    public Integer getId() {
        return id;
    }

    public String getLastName() {
        return lastName;
    }
}
