package dev.courier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event loops' demand: read from a folder laid out as {@code /proc/self/task} (threads by name, their run and
 * wait times), and from this JVM's own {@code /proc} with a thread that spins and one that sleeps.
 */
class LoopDemandTest {
  private static final long MS = 1_000_000;

  @TempDir
  Path tasks;
  private long now = 5_000 * MS;

  private void thread(String tid, String name, long runNanos, long waitNanos) throws IOException {
    Path dir = Files.createDirectories(tasks.resolve(tid));
    Files.writeString(dir.resolve("comm"), name + "\n");
    Files.writeString(dir.resolve("schedstat"), runNanos + " " + waitNanos + " 17\n");
  }

  private LoopDemand demand() {
    return new LoopDemand(tasks, LoopDemand.LOOP_NAME, () -> now);
  }

  @Test
  void theLoopsRunAndWaitTimeOverTheIntervalAveragedPerLoop() throws IOException {
    thread("101", "vert.x-eventloo", 1_000 * MS, 100 * MS);
    thread("102", "vert.x-eventloo", 2_000 * MS, 0);
    thread("103", "vert.x-worker-t", 0, 0);
    LoopDemand d = demand();
    assertEquals(-1, d.getAsDouble(), "nothing to compare the first reading with");
    now += 1_000 * MS;
    thread("101", "vert.x-eventloo", 1_600 * MS, 300 * MS); // 0.8 of the second
    thread("102", "vert.x-eventloo", 2_200 * MS, 0); // 0.2
    thread("103", "vert.x-worker-t", 1_000 * MS, 0); // not a loop
    assertEquals(0.5, d.getAsDouble(), 1e-9);
    now += 500 * MS;
    thread("101", "vert.x-eventloo", 2_100 * MS, 300 * MS); // all of the half second
    thread("102", "vert.x-eventloo", 2_700 * MS, 0); // all of it
    assertEquals(1.0, d.getAsDouble(), 1e-9);
  }

  @Test
  void noLoopsOrNoFolderCannotTell() throws IOException {
    thread("103", "vert.x-worker-t", 0, 0);
    LoopDemand d = demand();
    assertEquals(-1, d.getAsDouble());
    now += 1_000 * MS;
    assertEquals(-1, d.getAsDouble());
    assertEquals(-1, new LoopDemand(tasks.resolve("absent"), LoopDemand.LOOP_NAME, () -> now).getAsDouble());
  }

  @Test
  void aKernelWithoutSchedulerStatisticsCannotTell() throws IOException {
    thread("101", "vert.x-eventloo", 0, 0); // what such a kernel writes for every thread: "0 0 0"
    LoopDemand d = demand();
    assertEquals(-1, d.getAsDouble());
    now += 1_000 * MS;
    assertEquals(-1, d.getAsDouble(), "never ran: not a loop with time to spare");
  }

  @Test
  void aLoopThatIsGoneMakesItLookForTheLoopsAgain() throws IOException {
    thread("101", "vert.x-eventloo", 10 * MS, 0);
    LoopDemand d = demand();
    d.getAsDouble();
    Files.delete(tasks.resolve("101").resolve("schedstat"));
    Files.delete(tasks.resolve("101").resolve("comm"));
    Files.delete(tasks.resolve("101"));
    thread("201", "vert.x-eventloo", 50 * MS, 0);
    now += 100 * MS;
    assertEquals(-1, d.getAsDouble(), "a reading that lost a loop says nothing");
    assertEquals(-1, d.getAsDouble(), "the first reading of the loops found again");
    now += 100 * MS;
    thread("201", "vert.x-eventloo", 75 * MS, 0);
    assertEquals(0.25, d.getAsDouble(), 1e-9);
  }

  @Test
  void thisJvmsOwnThreadsAsTheKernelCountsThem() throws Exception {
    Path proc = Path.of("/proc/self/task");
    if (!Files.isDirectory(proc)) {
      // not Linux: there is nothing to read, and the writer is held to its share as before
      assertEquals(-1, new LoopDemand().getAsDouble());
      return;
    }
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(2);
    Thread spinning = new Thread(() -> {
      started.countDown();
      long x = 0;
      while (!stop.get()) {
        x += System.nanoTime() & 1;
      }
      if (x == 42) {
        System.out.print(""); // keeps the loop from being optimised away
      }
    }, "courier-spin-test");
    Thread sleeping = new Thread(() -> {
      started.countDown();
      try {
        while (!stop.get()) {
          Thread.sleep(50);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "courier-idle-test");
    spinning.start();
    sleeping.start();
    try {
      started.await();
      LoopDemand spin = new LoopDemand(proc, "courier-spin-te", System::nanoTime);
      LoopDemand idle = new LoopDemand(proc, "courier-idle-te", System::nanoTime);
      assertEquals(-1, spin.getAsDouble());
      assertEquals(-1, idle.getAsDouble());
      // the interval the readings compare: long enough for the kernel's accounting to be more than noise
      Thread.sleep(400);
      double spun = spin.getAsDouble();
      double idled = idle.getAsDouble();
      assertTrue(spun > 0.8, "a thread that spins wants a CPU all along, read " + spun);
      assertTrue(idled < 0.2, "a thread that sleeps wants almost none, read " + idled);
    } finally {
      stop.set(true);
      spinning.join();
      sleeping.join();
    }
  }
}
