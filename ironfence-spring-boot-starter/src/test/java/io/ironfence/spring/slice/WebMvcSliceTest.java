package io.ironfence.spring.slice;

import io.ironfence.MutexGuard;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.NamedLockRegistry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * {@code @WebMvcTest} includes IronFence: a controller's lock annotation is applied in the slice,
 * and a lock it cannot have answers 503.
 */
@WebMvcTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebMvcSliceTest {

    @SpringBootConfiguration
    @Import(OrdersController.class)
    static class App {
    }

    @RestController
    public static class OrdersController {
        @WithLock(value = "orders", timeout = "50ms")
        @GetMapping("/orders")
        public String orders() {
            return "orders";
        }
    }

    @Autowired
    MockMvc mvc;

    @Autowired
    NamedLockRegistry registry;

    @Test
    void theControllersLockIsTakenInTheSlice() throws Exception {
        mvc.perform(get("/orders")).andExpect(status().isOk()).andExpect(content().string("orders"));
        try (MutexGuard<Object> held = registry.getMutex("orders").lockAsync().join()) {
            // The starter's handler is in the slice too: the timed-out lock answers 503 with Retry-After.
            mvc.perform(get("/orders")).andExpect(status().isServiceUnavailable())
                    .andExpect(header().string("Retry-After", "1"))
                    .andExpect(jsonPath("$.reason").value("timeout"));
        }
        assertThat(registry.get("orders").getMonitor().getTimeouts()).isOne();
    }
}
