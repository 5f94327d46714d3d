package io.recsysnightly.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a few independent Spark actions at once from driver threads. Small aggregates over cached data
 * spend most of their wall time on the driver (planning, code generation, adaptive query stages one
 * after the other) with a core idle; submitted together, one's planning overlaps another's tasks.
 * Each action's result is its own, so the outcome does not depend on the interleaving. The threads are
 * created by the calling thread and so inherit its Spark local properties (the job description the
 * progress lines and the profile name stages by).
 */
public final class ConcurrentJobs {
  /** Two cores' worth of driver threads is enough to overlap planning with tasks; more only queue. */
  private static final int THREADS = 3;
  private static final AtomicInteger POOLS = new AtomicInteger();

  private ConcurrentJobs() {}

  /** What the actions returned, in their order. */
  public record Results(List<Object> values) {
    /** The {@code i}-th action's result, as the type the caller knows it returned. */
    @SuppressWarnings("unchecked")
    public <T> T get(int i) {
      return (T) values.get(i);
    }
  }

  /** Runs {@code actions} at once; the first failure is rethrown once all have ended. */
  public static Results all(List<Callable<?>> actions) {
    int pool = POOLS.incrementAndGet();
    AtomicInteger thread = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(Math.min(THREADS, actions.size()), r -> {
      Thread t = new Thread(r, "recsys-concurrent-jobs-" + pool + "-" + thread.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> futures = new ArrayList<>();
      actions.forEach(a -> futures.add(executor.submit(a)));
      List<Object> results = new ArrayList<>();
      Throwable failure = null;
      for (Future<?> f : futures) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          failure = failure != null ? failure : e.getCause();
          results.add(null);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("Interrupted while waiting for Spark jobs", e);
        }
      }
      if (failure instanceof RuntimeException r) {
        throw r;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      if (failure != null) {
        throw new IllegalStateException(failure);
      }
      return new Results(results);
    } finally {
      executor.shutdownNow();
    }
  }
}
