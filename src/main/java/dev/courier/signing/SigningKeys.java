package dev.courier.signing;

/** The signing key pair: deliveries are signed with {@code current}; receivers also accept {@code next}. */
public record SigningKeys(String current, String next) {}
