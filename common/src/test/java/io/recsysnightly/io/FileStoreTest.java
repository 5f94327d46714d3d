package io.recsysnightly.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {
  private final FileStore files = new FileStore(new Configuration());

  /**
   * Racing creators of one file (what two runs taking the lock do): exactly one wins per round, and a
   * reader polling the name meanwhile never sees it empty or holding a part of the winner's text.
   */
  @Test
  void createExclusivelyHasOneWinnerAndNeverShowsAPartialFile(@TempDir java.nio.file.Path dir) throws Exception {
    int rounds = 200;
    int writers = 4;
    String padding = "x".repeat(64 * 1024); // large enough that a non-atomic write would be seen half done
    ConcurrentLinkedQueue<String> badReads = new ConcurrentLinkedQueue<>();
    for (int round = 0; round < rounds; round++) {
      java.nio.file.Path local = dir.resolve("lock-" + round);
      Path path = new Path(local.toUri());
      CountDownLatch start = new CountDownLatch(1);
      AtomicInteger winners = new AtomicInteger();
      AtomicBoolean writing = new AtomicBoolean(true);
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String text = "writer-" + w + ":" + padding + ":end";
        threads.add(started(() -> {
          await(start);
          if (files.createExclusively(path, text)) {
            winners.incrementAndGet();
          }
        }));
      }
      Thread reader = started(() -> {
        await(start);
        while (writing.get()) {
          try {
            String seen = Files.readString(local);
            if (!seen.endsWith(":end")) {
              badReads.add("length " + seen.length());
            }
          } catch (java.nio.file.NoSuchFileException notYet) {
            // Not created yet: what a reader may see.
          } catch (Exception e) {
            badReads.add(e.toString());
          }
        }
      });
      start.countDown();
      for (Thread t : threads) {
        t.join();
      }
      writing.set(false);
      reader.join();
      assertEquals(1, winners.get(), "round " + round + ": exactly one creator wins");
      assertTrue(Files.readString(local).endsWith(":end"));
    }
    assertTrue(badReads.isEmpty(), "a reader saw a partial lock file " + badReads.size() + " times, e.g. "
        + badReads.stream().limit(5).toList());
    try (var left = Files.list(dir)) {
      assertFalse(left.anyMatch(p -> p.getFileName().toString().contains(FileStore.TMP_PREFIX)),
          "no hidden temporary file is left behind");
    }
  }

  private static Thread started(Runnable body) {
    Thread thread = new Thread(body);
    thread.start();
    return thread;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
