package dev.courier.config;

/** A configuration value that stops start-up; the message names the key. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
