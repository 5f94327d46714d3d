package io.recsysnightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README stays short and points into docs/; every relative link of README.md and docs/*.md names a file
 * of the repository (anchors are not checked; http(s) and other URI links are left alone).
 */
class DocsTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final int README_MAX_LINES = 250;
  /** An inline markdown link or image, {@code [text](target "title")}; the text may span lines. */
  private static final Pattern LINK =
      Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  private static final Pattern FENCED = Pattern.compile("(?ms)^```.*?^```[ \\t]*$");
  private static final Pattern CODE_SPAN = Pattern.compile("`[^`\\n]*`");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

  @Test
  void readmeIsShort() throws IOException {
    int lines = Files.readAllLines(REPO.resolve("README.md")).size();
    assertTrue(lines <= README_MAX_LINES, "README.md has " + lines + " lines, more than " + README_MAX_LINES
        + ": move the detail into docs/");
  }

  @Test
  void everyRelativeLinkResolvesToAFileOfTheRepository() throws IOException {
    List<Path> files = new ArrayList<>(docs());
    files.add(0, REPO.resolve("README.md"));
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path file : files) {
      for (String target : links(Files.readString(file))) {
        if (SCHEME.matcher(target).find() || target.startsWith("#")) {
          continue;
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.getParent().resolve(path).normalize();
        checked++;
        if (!resolved.startsWith(REPO) || !Files.isRegularFile(resolved)) {
          broken.add(REPO.relativize(file) + ": " + target);
        }
      }
    }
    assertTrue(checked > 0, "no relative link found at all; is the link pattern still right?");
    assertTrue(broken.isEmpty(), "links to no file of the repository:\n" + String.join("\n", broken));
  }

  @Test
  void everyDocStartsWithATitleAndPointsBackToTheReadme() throws IOException {
    List<Path> docs = docs();
    assertFalse(docs.isEmpty(), "docs/ holds no .md file");
    for (Path doc : docs) {
      List<String> lines = Files.readAllLines(doc);
      assertTrue(!lines.isEmpty() && lines.get(0).startsWith("# "), doc.getFileName() + " should start with a title");
      assertTrue(lines.stream().limit(5).anyMatch(l -> l.contains("](../README.md)")),
          doc.getFileName() + " should point back to the README right under its title");
    }
  }

  @Test
  void linkPatternFindsLinksOutsideCode() {
    assertEquals(List.of("docs/refresh.md#how", "a.png"),
        links("see [the\nrefresh](docs/refresh.md#how) and ![x](a.png \"t\")\n"), "links in text");
    assertTrue(links("`[a](b.md)` and\n```sql\nSELECT [x](y)\n```\n").isEmpty(), "nothing in code");
  }

  /** Link targets of a markdown text, outside fenced code blocks and code spans. */
  static List<String> links(String markdown) {
    String text = CODE_SPAN.matcher(FENCED.matcher(markdown).replaceAll("")).replaceAll("code");
    List<String> targets = new ArrayList<>();
    Matcher m = LINK.matcher(text);
    while (m.find()) {
      targets.add(m.group(1));
    }
    return targets;
  }

  private static List<Path> docs() throws IOException {
    try (Stream<Path> files = Files.list(REPO.resolve("docs"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".md")).sorted().toList();
    }
  }
}
