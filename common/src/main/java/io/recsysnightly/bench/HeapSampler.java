package io.recsysnightly.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * The peak of used heap while a stage runs, sampled every few milliseconds from a daemon thread
 * (local mode: driver and executors share this JVM). Used heap includes garbage not yet collected, so
 * the figure is an upper bound of what the stage needs; a stage whose working set does not grow with
 * the data shows the same peak at any scale.
 */
final class HeapSampler implements AutoCloseable {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long peak;

  HeapSampler() {
    peak = memory.getHeapMemoryUsage().getUsed();
    thread = new Thread(() -> {
      while (running) {
        peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed());
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-heap-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** Collects garbage first, so that each stage starts from the live set. */
  static HeapSampler startAfterGc() {
    System.gc();
    return new HeapSampler();
  }

  long peakBytes() {
    return Math.max(peak, memory.getHeapMemoryUsage().getUsed());
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
