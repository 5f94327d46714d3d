package io.recsysnightly.io;

import io.recsysnightly.config.ConfigKey;
import io.recsysnightly.config.ConfigKeys;
import java.util.List;

/**
 * One input dataset of the run: the config key naming its path, the columns it must and may have, and those of
 * them ({@code typed}) read in their own type when the file gives them a number or a timestamp (see
 * {@link InputReader}).
 */
public record InputSpec(String name, ConfigKey<String> pathKey, List<String> required, List<String> optional,
    List<String> typed, boolean mandatory) {

  public static final InputSpec EVENTS = new InputSpec("events", ConfigKeys.INPUT_EVENTS,
      List.of("user_id", "item_id", "event_type", "event_ts"), List.of("value"), List.of("event_ts", "value"), true);
  public static final InputSpec ITEMS = new InputSpec("items", ConfigKeys.INPUT_ITEMS,
      List.of("item_id", "category"), List.of("created_ts", "available"), List.of(), false);
  public static final InputSpec USERS = new InputSpec("users", ConfigKeys.INPUT_USERS,
      List.of("user_id", "segment"), List.of(), List.of(), false);
  public static final InputSpec DELETIONS = new InputSpec("deletions", ConfigKeys.INPUT_DELETIONS,
      List.of("user_id"), List.of(), List.of(), false);
  public static final InputSpec BLOCKLIST = new InputSpec("blocklist", ConfigKeys.INPUT_BLOCKLIST,
      List.of("item_id"), List.of(), List.of(), false);
}
