package dev.courier.support;

import dev.courier.bootstrap.EmbeddedRedis;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The real Redis the tests run against, one per test JVM: {@code COURIER_TEST_REDIS_URL} if set; else
 * a Testcontainers {@code redis:7} when a Docker engine answers; else the embedded redis-server binary
 * (the same one Courier ships with). Never skipped: some real Redis is always available. Tests isolate
 * themselves by key prefix, not by FLUSHDB.
 */
public final class TestRedis {
  private static String url;

  private TestRedis() {}

  public static synchronized String url() {
    if (url == null) {
      start();
    }
    return url;
  }

  private static void start() {
    String fromEnv = System.getenv("COURIER_TEST_REDIS_URL");
    if (fromEnv != null && !fromEnv.isBlank()) {
      url = fromEnv;
      return;
    }
    if (dockerAvailable()) {
      GenericContainer<?> redis = new GenericContainer<>("redis:7").withExposedPorts(6379);
      redis.start();
      url = "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
      Runtime.getRuntime().addShutdownHook(new Thread(redis::stop));
      return;
    }
    try {
      Path dir = TempDirs.create("courier-test-redis");
      EmbeddedRedis redis = EmbeddedRedis.start(dir);
      url = redis.url();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          redis.close();
        } catch (Exception e) {
          // JVM ending
        }
        TempDirs.delete(dir); // after the server: its AOF of the whole test run is the biggest thing a run leaves
      }));
    } catch (Exception e) {
      throw new IllegalStateException("no Redis for the tests: " + e, e);
    }
  }

  private static boolean dockerAvailable() {
    if ("false".equals(System.getenv("COURIER_TEST_DOCKER"))) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      return false;
    }
  }
}
