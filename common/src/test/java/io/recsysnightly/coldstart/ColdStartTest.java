package io.recsysnightly.coldstart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recsysnightly.als.TrainAls;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.testing.NaiveFoldIn;
import io.recsysnightly.testing.TestInputs;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold start across two nights: factors trained on night 1, vectors built on night 2 for users and
 * items that night 1's training never saw (or users with events since), each from its own truth.
 */
class ColdStartTest {
  private static final String NIGHT1 = "2020-01-10";
  private static final String NIGHT2 = "2020-01-11";
  private static final double ALPHA = 3;
  private static final double REG = 0.1;

  @TempDir
  static Path dir;
  private static RunContext night2;
  private static Map<String, float[]> userVectors;
  private static Map<String, String> userSources;

  @BeforeAll
  static void runTwoNights() {
    List<String> history = new ArrayList<>();
    Random rnd = new Random(7);
    for (int u = 0; u < 30; u++) {
      for (int k = 0; k < 6; k++) {
        history.add(String.format("u%02d,i%02d,rating,2020-01-0%d 10:00:00,", u, (u % 3) * 10 + rnd.nextInt(10),
            1 + rnd.nextInt(9)));
      }
    }
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      items.add(String.format("i%02d,c%d,,", i, i / 10));
    }
    items.add("fresh,c1,,");
    List<String> users = new ArrayList<>();
    for (int u = 0; u < 30; u++) {
      users.add(String.format("u%02d,s%d", u, u % 2));
    }
    users.add("cold,s1");
    users.add("nosegment,");
    TestInputs in = new TestInputs(dir).events(history.toArray(new String[0]))
        .file("recsys.input.items", "items.csv", "item_id,category,created_ts,available", items.toArray(new String[0]))
        .file("recsys.input.users", "users.csv", "user_id,segment", users.toArray(new String[0]))
        .set("recsys.als.rank", "4").set("recsys.als.max-iter", "5").set("recsys.eval.enabled", "false")
        .set("recsys.tune.nightly", "false").set("recsys.als.params-from-data", "false")
        .set("recsys.als.alpha", String.valueOf(ALPHA)).set("recsys.als.reg-param", String.valueOf(REG));
    new BuildMatrix(in.context(NIGHT1)).execute();
    new TrainAls(in.context(NIGHT1)).execute();

    // Night 2: a new user and one known user have events of the day; training is not re-run.
    List<String> night2Events = new ArrayList<>(history);
    night2Events.add("newbie,i01,rating,2020-01-11 08:00:00,");
    night2Events.add("newbie,i02,rating,2020-01-11 08:01:00,");
    night2Events.add("newbie,i05,tag,2020-01-11 08:02:00,");
    night2Events.add("u00,i25,rating,2020-01-11 09:00:00,");
    in.events(night2Events.toArray(new String[0])).set("recsys.coldstart.factors-date", NIGHT1);
    night2 = in.context(NIGHT2);
    new BuildMatrix(night2).execute();
    new ColdStart(night2).execute();

    userVectors = new HashMap<>();
    userSources = new HashMap<>();
    for (Row r : night2.read(night2.paths().userVectors()).join(night2.read(night2.paths().userTable()), "user_idx")
        .select("user_id", "vector", "source").collectAsList()) {
      userVectors.put(r.getString(0), floats(r.getList(1)));
      userSources.put(r.getString(0), r.getString(2));
    }
  }

  @Test
  void everyUserGetsAVectorFromTheRightSource() {
    assertEquals(33, userVectors.size());
    assertEquals("fold_in", userSources.get("newbie"));
    assertEquals("fold_in", userSources.get("u00"), "a user with events after training is re-solved");
    assertEquals("als", userSources.get("u01"));
    assertEquals("segment_mean", userSources.get("cold"));
    assertEquals("global_mean", userSources.get("nosegment"));
  }

  @Test
  void trainedUsersKeepTheirFactorAndFoldInEqualsTheNormalEquations() {
    Map<Integer, float[]> itemFactors = factors(night2.paths().itemFactors(LocalDate.parse(NIGHT1)), "item_idx");
    Map<Integer, float[]> night1Users = factors(night2.paths().userFactors(LocalDate.parse(NIGHT1)), "user_idx");
    int u01 = index("users", "u01");
    assertArrayEquals(night1Users.get(u01), userVectors.get("u01"));

    float[][] y = new float[itemFactors.size()][];
    Map<Integer, Integer> rowOfId = new HashMap<>();
    int row = 0;
    for (Map.Entry<Integer, float[]> e : itemFactors.entrySet()) {
      rowOfId.put(e.getKey(), row);
      y[row++] = e.getValue();
    }
    // newbie: i01 and i02 as ratings (weight 1), i05 as a tag (weight 0.5): linear confidence.
    int[] items = {index("items", "i01"), index("items", "i02"), index("items", "i05")};
    double[] expected = NaiveFoldIn.solve(y, rowOfId, items, new double[] {1, 1, 0.5}, ALPHA, REG);
    float[] actual = userVectors.get("newbie");
    for (int f = 0; f < expected.length; f++) {
      assertEquals(expected[f], actual[f], 1e-4, "component " + f);
    }
  }

  @Test
  void meansAreTheMeansOfTheirGroups() {
    float[] segmentMean = new float[4];
    int members = 0;
    float[] globalMean = new float[4];
    int all = 0;
    for (Map.Entry<String, float[]> e : userVectors.entrySet()) {
      String source = userSources.get(e.getKey());
      if (!source.equals("als") && !source.equals("fold_in")) {
        continue;
      }
      boolean inS1 = e.getKey().startsWith("u") && Integer.parseInt(e.getKey().substring(1)) % 2 == 1;
      for (int f = 0; f < 4; f++) {
        globalMean[f] += e.getValue()[f];
        if (inS1) {
          segmentMean[f] += e.getValue()[f];
        }
      }
      all++;
      members += inS1 ? 1 : 0;
    }
    for (int f = 0; f < 4; f++) {
      assertEquals(segmentMean[f] / members, userVectors.get("cold")[f], 1e-5);
      assertEquals(globalMean[f] / all, userVectors.get("nosegment")[f], 1e-5);
    }

    Map<Integer, float[]> itemFactors = factors(night2.paths().itemFactors(LocalDate.parse(NIGHT1)), "item_idx");
    float[] categoryMean = new float[4];
    int inC1 = 0;
    for (int i = 10; i < 20; i++) {
      float[] v = itemFactors.get(index("items", String.format("i%02d", i)));
      if (v != null) {
        for (int f = 0; f < 4; f++) {
          categoryMean[f] += v[f];
        }
        inC1++;
      }
    }
    Row fresh = night2.read(night2.paths().itemVectors()).where("item_idx = " + index("items", "fresh")).first();
    assertEquals("category_mean", fresh.getString(fresh.fieldIndex("source")));
    float[] freshVector = floats(fresh.getList(fresh.fieldIndex("vector")));
    for (int f = 0; f < 4; f++) {
      assertEquals(categoryMean[f] / inC1, freshVector[f], 1e-5);
    }
  }

  private static int index(String entity, String id) {
    boolean users = entity.equals("users");
    return night2.read(users ? night2.paths().userTable() : night2.paths().itemTable())
        .where((users ? "user_id" : "item_id") + " = '" + id + "'").first().getInt(0);
  }

  private static Map<Integer, float[]> factors(org.apache.hadoop.fs.Path path, String idColumn) {
    Map<Integer, float[]> out = new TreeMap<>();
    for (Row r : night2.read(path).select(idColumn, "vector").collectAsList()) {
      out.put(r.getInt(0), floats(r.getList(1)));
    }
    return out;
  }

  private static float[] floats(List<Float> list) {
    float[] v = new float[list.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = list.get(i);
    }
    return v;
  }
}
