package dev.courier.dispatch;

import java.util.List;

/**
 * Claimed deliveries for one dispatcher (wheel → dispatch over the local event bus). A batch, not one
 * bus message per delivery: each bus message is a hop to another event loop, and one hop per claim
 * and dispatcher costs far less than one per message.
 */
public record DeliveryBatch(List<Delivery> deliveries) {}
