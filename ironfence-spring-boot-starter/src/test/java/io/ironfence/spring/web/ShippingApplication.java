package io.ironfence.spring.web;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * A web application (servlet or reactive, as the test says) in front of {@link ShippingService}.
 * The controller is a class of its own: a member class would be registered a second time.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class ShippingApplication {

    @Bean
    ShippingService shippingService() {
        return new ShippingService();
    }

    @Bean
    ShippingController shippingController(ShippingService shipping) {
        return new ShippingController(shipping);
    }
}
