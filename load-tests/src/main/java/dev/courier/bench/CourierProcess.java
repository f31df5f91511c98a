package dev.courier.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Courier started from its jar on embedded defaults, as a user would, in a folder of its own. */
final class CourierProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
  private static final Pattern REDIS = Pattern.compile("embedded redis-server on redis://([\\d.]+):(\\d+)");
  private static final Pattern TOKEN = Pattern.compile("QSTASH_TOKEN=(\\S+)");

  private final Process process;
  /** Its data folder (Redis's AOF, the event log's H2 file), a temporary one, deleted on close. */
  private final Path dir;
  final String url;
  final String token;
  final String redisHost;
  final int redisPort;
  /** Lines in Courier's output that Vert.x's blocked-thread checker or an OutOfMemoryError produced. */
  final java.util.concurrent.atomic.AtomicInteger alarms;

  private CourierProcess(Process process, Path dir, String url, String token, String redisHost, int redisPort,
      java.util.concurrent.atomic.AtomicInteger alarms) {
    this.alarms = alarms;
    this.process = process;
    this.dir = dir;
    this.url = url;
    this.token = token;
    this.redisHost = redisHost;
    this.redisPort = redisPort;
  }

  /** Starts Courier on {@code dir}, a temporary folder it then owns: {@link #close} deletes it. */
  static CourierProcess start(Path jar, Path dir, List<String> jvmArgs, Map<String, String> env) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toAbsolutePath().toString());
    dir.toFile().mkdirs();
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_") || k.startsWith("QSTASH_"));
    pb.environment().put("COURIER_HTTP_PORT", "0");
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<String> url = new CompletableFuture<>();
    String[] token = new String[1];
    String[] redis = new String[2];
    java.util.concurrent.atomic.AtomicInteger alarms = new java.util.concurrent.atomic.AtomicInteger();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
        String line;
        while ((line = in.readLine()) != null) {
          Matcher m;
          if ((m = TOKEN.matcher(line)).find()) {
            token[0] = m.group(1);
          } else if ((m = REDIS.matcher(line)).find()) {
            redis[0] = m.group(1);
            redis[1] = m.group(2);
          } else if ((m = LISTENING.matcher(line)).find()) {
            url.complete(m.group(1));
          }
          if (line.contains("Thread blocked") || line.contains("OutOfMemoryError")) {
            alarms.incrementAndGet();
          }
          if (line.contains("WARN") || line.contains("ERROR") || line.contains("Exception")
              || line.startsWith("\tat ") || line.startsWith("Caused by")) {
            System.out.println("  [courier] " + line);
          }
        }
      } catch (Exception e) {
        url.completeExceptionally(e);
      }
      url.completeExceptionally(new IllegalStateException("courier exited"));
    }, "courier-output");
    reader.setDaemon(true);
    reader.start();
    String base = url.get(120, TimeUnit.SECONDS);
    return new CourierProcess(p, dir, base, token[0], redis[0], Integer.parseInt(redis[1]), alarms);
  }

  long pid() {
    return process.pid();
  }

  /**
   * CPU seconds used so far by Courier's JVM, by its embedded redis-server, and by that server's finished
   * children: the forks that rewrite the AOF, which run on the same two cores (from /proc).
   */
  double[] cpuSeconds() throws Exception {
    long redisPid = process.toHandle().children().findFirst().map(ProcessHandle::pid).orElse(-1L);
    return new double[] {cpu(process.pid()), redisPid < 0 ? 0 : cpu(redisPid),
        redisPid < 0 ? 0 : childrenCpu(redisPid)};
  }

  static double cpu(long pid) throws Exception {
    String[] f = stat(pid);
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime, in clock ticks
  }

  /** CPU of the children the process has reaped (cutime + cstime): counted once a child ends. */
  static double childrenCpu(long pid) throws Exception {
    String[] f = stat(pid);
    return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
  }

  private static String[] stat(long pid) throws Exception {
    String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /** A Redis command over a plain socket (the bench needs a handful, off the measured path). */
  String redis(String... args) throws Exception {
    try (Socket s = new Socket(redisHost, redisPort)) {
      OutputStream out = s.getOutputStream();
      StringBuilder cmd = new StringBuilder("*" + args.length + "\r\n");
      for (String a : args) {
        cmd.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
      }
      out.write(cmd.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      return reply(s.getInputStream());
    }
  }

  /** A reply as text; an array as its elements in brackets (LATENCY LATEST answers nested arrays). */
  private static String reply(InputStream in) throws Exception {
    int type = in.read();
    String head = readLine(in);
    if (type == '$') {
      int len = Integer.parseInt(head);
      if (len < 0) {
        return "nil";
      }
      byte[] body = in.readNBytes(len + 2);
      return new String(body, 0, len, StandardCharsets.UTF_8);
    }
    if (type == '*') {
      List<String> items = new java.util.ArrayList<>();
      for (int i = 0, n = Integer.parseInt(head); i < n; i++) {
        items.add(reply(in));
      }
      return "[" + String.join(" ", items) + "]";
    }
    return head;
  }

  private static String readLine(InputStream in) throws Exception {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != '\r') {
      sb.append((char) c);
    }
    in.read();
    return sb.toString();
  }

  /** A field of INFO stats, as text. */
  String redisStat(String field) throws Exception {
    return redisInfoText("stats", field);
  }

  String redisInfoText(String section, String field) throws Exception {
    for (String line : redis("INFO", section).split("\r\n")) {
      if (line.startsWith(field + ":")) {
        return line.substring(field.length() + 1).trim();
      }
    }
    return "?";
  }

  long redisInfo(String field) throws Exception {
    for (String line : redis("INFO", "memory").split("\r\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new IllegalStateException("no " + field + " in INFO");
  }

  /** Used heap after a full GC, from jcmd (bytes). */
  long heapUsedAfterGc() throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    run(jcmd, Long.toString(pid()), "GC.run");
    String info = run(jcmd, Long.toString(pid()), "GC.heap_info");
    Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("cannot read heap: " + info);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    // Each run leaves up to gigabytes (the AOF, the event log); left behind, a day of benches filled the disk.
    try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      System.out.println("bench: could not delete " + dir + ": " + e);
    }
  }
}
