package io.keepwatch.agent.config;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * The network listener's TLS and basic auth, read from a web config file in the format of the
 * Prometheus exporter-toolkit (the {@code --web.config.file} of node_exporter,
 * nginx-prometheus-exporter and Prometheus itself), so an operator's existing file works:
 *
 * <pre>
 * tls_server_config:
 *   cert_file: /etc/keepwatch/tls/node.crt
 *   key_file: /etc/keepwatch/tls/node.key      # PKCS#8 PEM
 *   client_auth_type: RequireAndVerifyClientCert
 *   client_ca_file: /etc/keepwatch/tls/ca.crt
 *   min_version: TLS12
 * basic_auth_users:
 *   prometheus: $2y$10$...                      # bcrypt, e.g. from htpasswd -nBC 10 ""
 * </pre>
 *
 * Relative paths are relative to the file's directory, as in the toolkit. What keepwatch cannot
 * honour (inline cert/key, cipher suites, curves, allowed SANs, http_server_config) is refused with
 * file:line, never ignored: a setting the operator relies on must not silently do nothing.
 *
 * @param file the web config file
 * @param tls the TLS settings; empty for plain HTTP
 * @param users user name to bcrypt hash; empty for no authentication
 */
public record WebConfig(Path file, Optional<Tls> tls, Map<String, String> users) {

  public WebConfig {
    users = Map.copyOf(users);
  }

  /** The toolkit's keys that keepwatch does not implement, with what to do instead. */
  private static final Map<String, String> UNSUPPORTED_TLS =
      Map.of(
          "cert", "write the certificate to a file and set cert_file",
          "key", "write the key to a file and set key_file",
          "client_ca", "write the CA to a file and set client_ca_file",
          "cipher_suites", "keepwatch uses Java's default suites for the chosen TLS versions",
          "curve_preferences", "keepwatch uses Java's default curves",
          "prefer_server_cipher_suites", "keepwatch uses Java's default order",
          "client_allowed_sans", "use a client CA that issues only to allowed clients");

  private static final Set<String> TLS_KEYS =
      Set.of(
          "cert_file",
          "key_file",
          "client_auth_type",
          "client_ca_file",
          "min_version",
          "max_version");

  private static final Map<String, String> VERSIONS =
      Map.of("TLS12", "TLSv1.2", "TLS13", "TLSv1.3");

  /** bcrypt in modular crypt format: $2a$, $2b$ or $2y$, a two-digit cost, 53 characters. */
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");

  /**
   * TLS for the network listener.
   *
   * @param certFile the certificate chain, PEM
   * @param keyFile its private key, PKCS#8 PEM
   * @param clientAuth NoClientCert, RequestClientCert, RequireAnyClientCert,
   *     VerifyClientCertIfGiven or RequireAndVerifyClientCert (the toolkit's names)
   * @param clientCaFile the CAs a client certificate is verified against
   * @param protocols the TLS versions allowed, Java's names
   */
  public record Tls(
      Path certFile,
      Path keyFile,
      String clientAuth,
      Optional<Path> clientCaFile,
      List<String> protocols) {

    public Tls {
      protocols = List.copyOf(protocols);
    }

    /**
     * Java accepts a key that is not the certificate's and fails every handshake later; a signature
     * made with the key and checked with the certificate's public key tells now.
     */
    private void checkKeyMatchesCertificate() throws IOException {
      try (java.io.InputStream in = Files.newInputStream(certFile)) {
        java.security.cert.Certificate cert =
            java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        String pem = Files.readString(keyFile, StandardCharsets.ISO_8859_1);
        byte[] der =
            java.util.Base64.getMimeDecoder()
                .decode(
                    pem.replaceAll("(?s).*-----BEGIN PRIVATE KEY-----", "")
                        .replaceAll("(?s)-----END PRIVATE KEY-----.*", ""));
        String algorithm = cert.getPublicKey().getAlgorithm(); // RSA, EC, Ed25519...
        java.security.PrivateKey key =
            java.security.KeyFactory.getInstance(algorithm)
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
        String signing =
            switch (algorithm) {
              case "RSA" -> "SHA256withRSA";
              case "EC" -> "SHA256withECDSA";
              default -> algorithm; // EdDSA names its own signature
            };
        byte[] probe = "keepwatch".getBytes(StandardCharsets.US_ASCII);
        java.security.Signature sign = java.security.Signature.getInstance(signing);
        sign.initSign(key);
        sign.update(probe);
        byte[] signature = sign.sign();
        java.security.Signature verify = java.security.Signature.getInstance(signing);
        verify.initVerify(cert.getPublicKey());
        verify.update(probe);
        if (!verify.verify(signature)) {
          throw new IOException(keyFile + " is not the key of the certificate in " + certFile);
        }
      } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
        throw new IOException(
            keyFile
                + " is not the key of the certificate in "
                + certFile
                + " ("
                + e.getMessage()
                + ")",
            e);
      }
    }

    /** The files whose change means the context must be built again. */
    public List<Path> files() {
      List<Path> files = new ArrayList<>(List.of(certFile, keyFile));
      clientCaFile.ifPresent(files::add);
      return files;
    }

    /**
     * A Netty server context from the files as they are now.
     *
     * @throws IOException saying which file could not be used and why
     */
    public SslContext context() throws IOException {
      SslContextBuilder builder =
          SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile())
              .sslProvider(SslProvider.JDK)
              .protocols(protocols);
      switch (clientAuth) {
        case "RequestClientCert" ->
            builder
                .clientAuth(ClientAuth.OPTIONAL)
                .trustManager(InsecureTrustManagerFactory.INSTANCE);
        case "RequireAnyClientCert" ->
            builder
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(InsecureTrustManagerFactory.INSTANCE);
        case "VerifyClientCertIfGiven" ->
            builder
                .clientAuth(ClientAuth.OPTIONAL)
                .trustManager(clientCaFile.orElseThrow().toFile());
        case "RequireAndVerifyClientCert" ->
            builder
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(clientCaFile.orElseThrow().toFile());
        default -> builder.clientAuth(ClientAuth.NONE);
      }
      try {
        SslContext context = builder.build();
        checkKeyMatchesCertificate();
        return context;
      } catch (SSLException | IllegalArgumentException e) {
        throw new IOException(
            "cannot use "
                + certFile
                + " with "
                + keyFile
                + ": "
                + (e.getCause() != null && e.getCause().getMessage() != null
                    ? e.getCause().getMessage()
                    : String.valueOf(e.getMessage())),
            e);
      }
    }
  }

  /**
   * Java accepts a key that is not the certificate's and fails every handshake later; a signature
   * made with the key and checked with the certificate tells now.
   */
  /**
   * Reads and checks a web config file, TLS files included (they are loaded once to prove they work
   * together).
   *
   * @throws ConfigError naming file:line and the key of every mistake found
   */
  public static WebConfig read(Path file) throws ConfigError {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigError(file.toString(), "", "cannot read the web config file: " + ioReason(e));
    }
    Optional<Node> root;
    try {
      LoadSettings settings =
          LoadSettings.builder()
              .setLabel(file.toString())
              .setAllowDuplicateKeys(false)
              .setMaxAliasesForCollections(10)
              .setCodePointLimit(1 << 20)
              .build();
      root = new Compose(settings).composeString(text);
    } catch (MarkedYamlEngineException e) {
      throw new ConfigError(
          where(file, e.getProblemMark()), "", "not valid YAML: " + e.getProblem());
    } catch (YamlEngineException e) {
      throw new ConfigError(file.toString(), "", "not valid YAML: " + e.getMessage());
    }
    if (root.isEmpty()) {
      return new WebConfig(file, Optional.empty(), Map.of()); // an empty file: plain HTTP
    }
    ErrorList errors = new ErrorList();
    Map<String, Node> top = mapping(file, root.get(), "", errors);
    Optional<Tls> tls = Optional.empty();
    Map<String, String> users = Map.of();
    for (Map.Entry<String, Node> entry : top.entrySet()) {
      switch (entry.getKey()) {
        case "tls_server_config" -> tls = tls(file, entry.getValue(), errors);
        case "basic_auth_users" -> users = users(file, entry.getValue(), errors);
        case "http_server_config" ->
            errors.add(
                error(
                    file,
                    entry.getValue(),
                    "http_server_config",
                    "not supported: keepwatch serves HTTP/1.1 and sets no extra headers; remove it"));
        default ->
            errors.add(
                error(
                    file,
                    entry.getValue(),
                    entry.getKey(),
                    "unknown key; a web config has tls_server_config and basic_auth_users"));
      }
    }
    errors.throwIfAny();
    if (tls.isPresent()) {
      Tls t = tls.get();
      try {
        t.context();
      } catch (IOException e) {
        throw new ConfigError(
            where(file, top.get("tls_server_config").getStartMark()),
            "tls_server_config",
            e.getMessage());
      }
    }
    return new WebConfig(file, tls, users);
  }

  private static Optional<Tls> tls(Path file, Node node, ErrorList errors) {
    Map<String, Node> keys = mapping(file, node, "tls_server_config", errors);
    int before = errors.size();
    for (Map.Entry<String, Node> entry : keys.entrySet()) {
      String key = entry.getKey();
      if (UNSUPPORTED_TLS.containsKey(key)) {
        errors.add(
            error(
                file,
                entry.getValue(),
                "tls_server_config." + key,
                "not supported by keepwatch: " + UNSUPPORTED_TLS.get(key)));
      } else if (!TLS_KEYS.contains(key)) {
        errors.add(error(file, entry.getValue(), "tls_server_config." + key, "unknown key"));
      }
    }
    Optional<Path> cert = path(file, keys, "cert_file", errors);
    Optional<Path> key = path(file, keys, "key_file", errors);
    if (cert.isEmpty() || key.isEmpty()) {
      errors.add(
          error(
              file,
              node,
              "tls_server_config",
              "needs both cert_file and key_file ("
                  + (cert.isEmpty() ? "cert_file" : "key_file")
                  + " is missing)"));
    }
    key.ifPresent(k -> checkKeyFormat(file, keys.get("key_file"), k, errors));
    String clientAuth = scalar(file, keys, "client_auth_type", errors).orElse("NoClientCert");
    Optional<Path> clientCa = path(file, keys, "client_ca_file", errors);
    boolean verifies = clientAuth.startsWith("Verify") || clientAuth.startsWith("RequireAndVerify");
    switch (clientAuth) {
      case "NoClientCert", "RequestClientCert", "RequireAnyClientCert" -> {
        if (clientCa.isPresent()) {
          errors.add(
              error(
                  file,
                  keys.get("client_ca_file"),
                  "tls_server_config.client_ca_file",
                  "set, but client_auth_type "
                      + clientAuth
                      + " never verifies a client certificate; use VerifyClientCertIfGiven or"
                      + " RequireAndVerifyClientCert"));
        }
      }
      case "VerifyClientCertIfGiven", "RequireAndVerifyClientCert" -> {
        if (clientCa.isEmpty()) {
          errors.add(
              error(
                  file,
                  keys.get("client_auth_type"),
                  "tls_server_config.client_auth_type",
                  clientAuth + " needs client_ca_file"));
        }
      }
      default ->
          errors.add(
              error(
                  file,
                  keys.get("client_auth_type"),
                  "tls_server_config.client_auth_type",
                  "unknown value '"
                      + clientAuth
                      + "'; one of NoClientCert, RequestClientCert, RequireAnyClientCert,"
                      + " VerifyClientCertIfGiven, RequireAndVerifyClientCert"));
    }
    String min = version(file, keys, "min_version", "TLS12", errors);
    String max = version(file, keys, "max_version", "TLS13", errors);
    List<String> protocols = new ArrayList<>();
    for (String v : List.of("TLS12", "TLS13")) {
      if (v.compareTo(min) >= 0 && v.compareTo(max) <= 0) {
        protocols.add(VERSIONS.get(v));
      }
    }
    if (protocols.isEmpty() && VERSIONS.containsKey(min) && VERSIONS.containsKey(max)) {
      errors.add(
          error(
              file,
              node,
              "tls_server_config.min_version",
              "min_version " + min + " is above max_version " + max));
    }
    if (errors.size() > before || cert.isEmpty() || key.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Tls(
            cert.get(), key.get(), clientAuth, verifies ? clientCa : Optional.empty(), protocols));
  }

  /**
   * Java reads PKCS#8 keys ("BEGIN PRIVATE KEY") only; the older PKCS#1 and SEC1 forms that openssl
   * genrsa (before 3.0) and openssl ecparam write need a conversion, said here in words.
   */
  private static void checkKeyFormat(Path file, Node node, Path key, ErrorList errors) {
    String text;
    try {
      // Latin-1 decodes any bytes: a binary (DER) key is then simply not PEM.
      text = Files.readString(key, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      errors.add(error(file, node, "tls_server_config.key_file", "cannot read " + ioReason(e)));
      return;
    }
    if (text.contains("-----BEGIN RSA PRIVATE KEY-----")
        || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
      errors.add(
          error(
              file,
              node,
              "tls_server_config.key_file",
              key
                  + " is a PKCS#1/SEC1 key, which Java cannot read; convert it: openssl pkcs8"
                  + " -topk8 -nocrypt -in "
                  + key
                  + " -out "
                  + key
                  + ".pk8"));
    } else if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      errors.add(
          error(
              file,
              node,
              "tls_server_config.key_file",
              key + " is encrypted; keepwatch needs an unencrypted PKCS#8 key (mode 0600)"));
    } else if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
      errors.add(
          error(
              file,
              node,
              "tls_server_config.key_file",
              key + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)"));
    }
  }

  private static String version(
      Path file, Map<String, Node> keys, String name, String standard, ErrorList errors) {
    Optional<String> value = scalar(file, keys, name, errors);
    if (value.isEmpty()) {
      return standard;
    }
    String v = value.get();
    if (v.equals("TLS10") || v.equals("TLS11")) {
      errors.add(
          error(
              file,
              keys.get(name),
              "tls_server_config." + name,
              v + " is disabled in Java 17 (jdk.tls.disabledAlgorithms); use TLS12 or TLS13"));
      return standard;
    }
    if (!VERSIONS.containsKey(v)) {
      errors.add(
          error(
              file,
              keys.get(name),
              "tls_server_config." + name,
              "must be TLS12 or TLS13, got '" + v + "'"));
      return standard;
    }
    return v;
  }

  private static Map<String, String> users(Path file, Node node, ErrorList errors) {
    Map<String, Node> entries = mapping(file, node, "basic_auth_users", errors);
    Map<String, String> users = new LinkedHashMap<>();
    for (Map.Entry<String, Node> entry : entries.entrySet()) {
      String key = "basic_auth_users." + entry.getKey();
      if (!(entry.getValue() instanceof ScalarNode hash)) {
        errors.add(error(file, entry.getValue(), key, "must be a bcrypt hash"));
        continue;
      }
      if (entry.getKey().isEmpty() || entry.getKey().indexOf(':') >= 0) {
        errors.add(
            error(file, entry.getValue(), key, "a user name must be non-empty and hold no ':'"));
      } else if (!BCRYPT.matcher(hash.getValue()).matches()) {
        errors.add(
            error(
                file,
                entry.getValue(),
                key,
                "not a bcrypt hash ($2y$10$ and 53 more characters); make one with: htpasswd -nBC"
                    + " 10 \"\" | tr -d ':\\n'"));
      } else {
        users.put(entry.getKey(), hash.getValue());
      }
    }
    return users;
  }

  /** A mapping's entries by key (duplicates are refused by the loader). */
  private static Map<String, Node> mapping(Path file, Node node, String key, ErrorList errors) {
    if (!(node instanceof MappingNode mapping)) {
      errors.add(error(file, node, key, "must be a mapping of key: value lines"));
      return Map.of();
    }
    Map<String, Node> entries = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      if (tuple.getKeyNode() instanceof ScalarNode name) {
        entries.put(name.getValue(), tuple.getValueNode());
      } else {
        errors.add(error(file, tuple.getKeyNode(), key, "keys must be plain names"));
      }
    }
    return entries;
  }

  private static Optional<String> scalar(
      Path file, Map<String, Node> keys, String name, ErrorList errors) {
    Node node = keys.get(name);
    if (node == null) {
      return Optional.empty();
    }
    if (!(node instanceof ScalarNode scalar)) {
      errors.add(error(file, node, "tls_server_config." + name, "must be a single value"));
      return Optional.empty();
    }
    return scalar.getValue().isEmpty() ? Optional.empty() : Optional.of(scalar.getValue());
  }

  /** A path, relative to the web config file's directory unless absolute; it must be readable. */
  private static Optional<Path> path(
      Path file, Map<String, Node> keys, String name, ErrorList errors) {
    Optional<String> text = scalar(file, keys, name, errors);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Path path = file.toAbsolutePath().getParent().resolve(text.get()).normalize();
    if (!Files.isRegularFile(path)) {
      errors.add(
          error(
              file,
              keys.get(name),
              "tls_server_config." + name,
              path + ": " + (Files.exists(path) ? "not a regular file" : "no such file")));
      return Optional.empty();
    }
    if (!Files.isReadable(path)) {
      errors.add(
          error(
              file,
              keys.get(name),
              "tls_server_config." + name,
              path + ": not readable (permissions)"));
      return Optional.empty();
    }
    return Optional.of(path);
  }

  private static ConfigError error(Path file, Node node, String key, String problem) {
    return new ConfigError(
        where(file, node == null ? Optional.empty() : node.getStartMark()), key, problem);
  }

  private static String where(Path file, Optional<Mark> mark) {
    return mark.map(m -> file + ":" + (m.getLine() + 1)).orElse(file.toString());
  }

  private static String ioReason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return String.valueOf(e.getMessage());
  }
}
