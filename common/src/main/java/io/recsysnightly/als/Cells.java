package io.recsysnightly.als;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/** Cells of the interaction matrix in primitive arrays: the unit ALS's blocks are shipped and built in. */
final class Cells implements Serializable {
  private int[] users;
  private int[] items;
  private float[] ratings;
  private int size;

  Cells(int capacity) {
    users = new int[Math.max(capacity, 16)];
    items = new int[users.length];
    ratings = new float[users.length];
  }

  /** The cells of one input partition of {@code (user_idx int, item_idx int, rating double)} rows. */
  static Cells of(Iterator<Row> rows) {
    Cells cells = new Cells(1024);
    while (rows.hasNext()) {
      Row r = rows.next();
      cells.add(r.getInt(0), r.getInt(1), (float) r.getDouble(2));
    }
    return cells;
  }

  void add(int user, int item, float rating) {
    if (size == users.length) {
      users = Arrays.copyOf(users, size * 2);
      items = Arrays.copyOf(items, size * 2);
      ratings = Arrays.copyOf(ratings, size * 2);
    }
    users[size] = user;
    items[size] = item;
    ratings[size++] = rating;
  }

  /** One chunk per destination partition, the partition of a cell's row (its item if {@code byItem}). */
  List<Tuple2<Integer, Cells>> split(boolean byItem, int partitions) {
    Cells[] parts = new Cells[partitions];
    for (int i = 0; i < size; i++) {
      int row = byItem ? items[i] : users[i];
      int part = row % partitions;
      if (parts[part] == null) {
        parts[part] = new Cells(size / partitions + 16);
      }
      parts[part].add(users[i], items[i], ratings[i]);
    }
    List<Tuple2<Integer, Cells>> out = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      if (parts[p] != null) {
        out.add(new Tuple2<>(p, parts[p].byRow(byItem)));
      }
    }
    return out;
  }

  /** Swaps the roles of users and items when the block is built for the item side. */
  private Cells byRow(boolean byItem) {
    if (byItem) {
      int[] t = users;
      users = items;
      items = t;
    }
    return this;
  }

  static Cells concat(Iterator<Cells> chunks) {
    Cells all = new Cells(1024);
    while (chunks.hasNext()) {
      Cells c = chunks.next();
      for (int i = 0; i < c.size; i++) {
        all.add(c.users[i], c.items[i], c.ratings[i]);
      }
    }
    return all;
  }

  /** The block whose rows are the first component (users, or items after {@link #byRow}). */
  RatingBlock block() {
    return RatingBlock.of(users, items, ratings, size);
  }
}
