package io.keepwatch.agent.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseable;
import io.keepwatch.probes.files.BoundedFile;
import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The limits on what a configuration may bring in: the file itself and every file it includes is
 * read through {@link BoundedFile} (a regular file, at most {@link #MAX_FILE_BYTES}, never a FIFO
 * or a device), nests at most {@link #MAX_DEPTH} levels, and one load reads at most {@link
 * #MAX_FILES} files and {@link #MAX_TOTAL_BYTES} in all. Without them a huge or endless include
 * killed the agent at SIGHUP, and an include of a FIFO blocked every later reload (issue 14).
 * {@code include url(...)} is refused: keepwatch reads only local files; {@code include
 * classpath(...)} reads the jar's own resources, as Typesafe Config does.
 *
 * <p>One instance per load (it counts); Typesafe Config calls it on the loading thread.
 */
final class ConfigFiles implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL {

  /** A keepwatch.conf is a few KiB; 64 KiB is room for any real one and its comments. */
  static final int MAX_FILE_BYTES = 64 * 1024;

  /** The main file and its includes together. */
  static final int MAX_TOTAL_BYTES = 256 * 1024;

  /** The main file and its includes. */
  static final int MAX_FILES = 16;

  /** keepwatch's own tree is 5 levels deep; the parser overflows its stack at a few thousand. */
  static final int MAX_DEPTH = 32;

  /** The extensions Typesafe Config tries for {@code include "name"} without one. */
  private static final List<String> TRIED = List.of("", ".conf", ".json", ".properties");

  private final ConfigIncluder fallback;
  private final AtomicInteger files;
  private final AtomicInteger bytes;

  ConfigFiles() {
    this(null, new AtomicInteger(), new AtomicInteger());
  }

  private ConfigFiles(ConfigIncluder fallback, AtomicInteger files, AtomicInteger bytes) {
    this.fallback = fallback;
    this.files = files;
    this.bytes = bytes;
  }

  /**
   * Reads {@code file} within the limits and counts it toward this load's.
   *
   * @return its text
   * @throws ConfigError naming the file and the limit it breaks
   */
  String read(Path file) throws ConfigError {
    String text;
    try {
      text = BoundedFile.readUtf8(file, MAX_FILE_BYTES);
    } catch (NoSuchFileException e) {
      throw new ConfigError(file.toString(), "", "no such file");
    } catch (BoundedFile.Refused e) {
      throw new ConfigError(file.toString(), "", e.why());
    } catch (IOException e) {
      throw new ConfigError(
          file.toString(),
          "",
          e instanceof java.nio.file.AccessDeniedException
              ? "not readable (permissions)"
              : "cannot read: " + e.getMessage());
    }
    if (files.incrementAndGet() > MAX_FILES) {
      throw new ConfigError(
          file.toString(), "", "one file too many: a configuration reads at most " + MAX_FILES);
    }
    if (bytes.addAndGet(text.length()) > MAX_TOTAL_BYTES) {
      throw new ConfigError(
          file.toString(),
          "",
          "the configuration and its includes hold more than " + MAX_TOTAL_BYTES + " bytes");
    }
    requireShallow(text, file.toString());
    return text;
  }

  /** Refuses text nested deeper than {@link #MAX_DEPTH}, naming the line. */
  static void requireShallow(String text, String name) throws ConfigError {
    Optional<Braces.Open> deep = Braces.deeperThan(text, MAX_DEPTH);
    if (deep.isPresent()) {
      throw new ConfigError(
          name + ":" + deep.get().line(),
          "",
          "nested more than " + MAX_DEPTH + " levels deep; keepwatch's own keys need 5");
    }
  }

  @Override
  public ConfigIncluder withFallback(ConfigIncluder fallback) {
    return new ConfigFiles(fallback, files, bytes);
  }

  /**
   * {@code include "name"}: the file relative to the including one, as Typesafe resolves it. A name
   * that parses as a URL ({@code "file:///..."}, {@code "http://..."}) is a URL to Typesafe Config,
   * read by its own reader without a limit, so it is refused as {@code url(...)} is.
   */
  @Override
  public ConfigObject include(ConfigIncludeContext context, String what) {
    if (asUrl(what).isPresent()) {
      throw refusedUrl(what);
    }
    for (String extension : TRIED) {
      ConfigParseable candidate = context.relativeTo(what + extension);
      String filename = candidate == null ? null : candidate.origin().filename();
      if (filename != null && new File(filename).exists()) {
        checked(Path.of(filename));
      }
    }
    return fallback.include(context, what);
  }

  /** {@code include file("...")}. */
  @Override
  public ConfigObject includeFile(ConfigIncludeContext context, File what) {
    if (what.exists()) {
      checked(what.toPath());
    }
    return ((ConfigIncluderFile) fallback).includeFile(context, what);
  }

  @Override
  public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
    throw refusedUrl(String.valueOf(what));
  }

  private static Refused refusedUrl(String url) {
    return new Refused(
        new ConfigError(url, "", "include url(...) refused: keepwatch reads only local files"));
  }

  /** The same test as Typesafe Config's own includer: does the name parse as a URL? */
  @SuppressWarnings("deprecation") // new URL(String) is the test Typesafe Config itself makes
  private static Optional<URL> asUrl(String name) {
    try {
      return Optional.of(new URL(name));
    } catch (MalformedURLException e) {
      return Optional.empty();
    }
  }

  private void checked(Path file) {
    try {
      read(file);
    } catch (ConfigError e) {
      throw new Refused(e);
    }
  }

  /** Carries a refusal out of Typesafe Config's parser, which calls the includer. */
  static final class Refused extends ConfigException {
    private static final long serialVersionUID = 1L;
    private final transient ConfigError error;

    Refused(ConfigError error) {
      super(error.getMessage());
      this.error = error;
    }

    ConfigError error() {
      return error;
    }
  }
}
