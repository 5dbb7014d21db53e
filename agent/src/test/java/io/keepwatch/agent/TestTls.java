package io.keepwatch.agent;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test CA and a server certificate for 127.0.0.1, made by openssl (as an operator would) in a
 * directory of the test's.
 *
 * @param ca the CA certificate (PEM)
 * @param cert the server certificate, signed by the CA, for IP 127.0.0.1 and localhost
 * @param key the server's key, PKCS#8 PEM (what openssl 3 writes)
 */
public record TestTls(Path ca, Path cert, Path key) {

  /** Makes a CA and a server certificate under {@code dir}, named with {@code name}. */
  public static TestTls make(Path dir, String name) throws Exception {
    Files.createDirectories(dir);
    Path ca = dir.resolve(name + "-ca.crt");
    Path caKey = dir.resolve(name + "-ca.key");
    Path key = dir.resolve(name + ".key");
    Path csr = dir.resolve(name + ".csr");
    Path cert = dir.resolve(name + ".crt");
    Path ext =
        Files.writeString(
            dir.resolve(name + ".ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    Commands.ok(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        caKey.toString(),
        "-out",
        ca.toString(),
        "-days",
        "2",
        "-subj",
        "/CN=keepwatch test CA " + name);
    Commands.ok(
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        csr.toString(),
        "-subj",
        "/CN=127.0.0.1");
    Commands.ok(
        "openssl",
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        ca.toString(),
        "-CAkey",
        caKey.toString(),
        "-CAcreateserial",
        "-out",
        cert.toString(),
        "-days",
        "2",
        "-extfile",
        ext.toString());
    return new TestTls(ca, cert, key);
  }

  /** A client context that trusts this CA only. */
  public SSLContext clientContext() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
      trust.setCertificateEntry("ca", c);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  /** A bcrypt hash of {@code password} made by htpasswd (apache2-utils), as an operator would. */
  public static String htpasswd(String password) throws Exception {
    String line = Commands.ok("htpasswd", "-nbBC", "10", "", password).output().strip();
    return line.substring(line.indexOf(':') + 1);
  }
}
