package dev.vigil.rounds.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FingerprinterTest {
  private final Fingerprinter fingerprinter = new Fingerprinter();

  @Test
  void theHashOfAFixedInputIsPinned() throws Exception {
    // a change here changes every stored signature: it must come with a new VERSION
    Fingerprint bare = fingerprinter.fingerprint("checkout", "TimeoutError", "call to 10.0.0.7:5432 took 3.2s", null);
    assertThat(bare.version()).isEqualTo(2).isEqualTo(Fingerprinter.VERSION);
    assertThat(bare.template()).isEqualTo("call to <host>:<num> took <num>");
    assertThat(bare.frames()).isEmpty();
    String canonical =
        "vigil-fingerprint/2\nservice:checkout\ntype:TimeoutError\nmessage:call to <host>:<num> took <num>\n";
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
    assertThat(bare.hash()).isEqualTo(HexFormat.of().formatHex(digest, 0, 8)).isEqualTo("0bc8cc76a42af830");

    Fingerprint withStack =
        fingerprinter.fingerprint("shop", "TypeError", "ignored", StackTraceParserTest.python(1, "KeyError: 'sku-42'"));
    assertThat(withStack.frames()).containsExactly("shop.orders::total");
    // the canonical form: vigil-fingerprint/2, service:shop, type:KeyError (the root cause),
    // frame:shop.orders::total (the only in-app frame), no message line
    assertThat(withStack.hash()).isEqualTo("7a246467586566a1");
  }

  @Test
  void pythonLineNumbersAndDeployPathsDoNotChangeTheFingerprint() {
    Fingerprint a = fingerprinter.fingerprint("shop", "TypeError", "x", StackTraceParserTest.python(1, "KeyError: 'a'"));
    Fingerprint b = fingerprinter.fingerprint("shop", "TypeError", "y", StackTraceParserTest.python(9, "KeyError: 'b'"));
    assertThat(b.hash()).isEqualTo(a.hash());
  }

  @Test
  void withInAppFramesTheRootCauseAndPlaceDecideNotTheMessage() {
    String stack1 =
        """
        java.lang.IllegalStateException: user alice not found
        \tat com.shop.Users.find(Users.java:10)
        \tat com.shop.Api.get(Api.java:20)
        """;
    String stack2 = stack1.replace("alice", "bob").replace(":10)", ":11)");
    Fingerprint a = fingerprinter.fingerprint("api", "java.lang.IllegalStateException", "user alice not found", stack1);
    Fingerprint b = fingerprinter.fingerprint("api", "java.lang.IllegalStateException", "user bob not found", stack2);
    assertThat(b.hash()).isEqualTo(a.hash());
    assertThat(a.frames()).containsExactly("com.shop.Users::find", "com.shop.Api::get");
    assertThat(a.template()).isEqualTo("user alice not found");

    // another place is another error
    Fingerprint c =
        fingerprinter.fingerprint("api", "java.lang.IllegalStateException", "user alice not found",
            stack1.replace("Users.find", "Users.load"));
    assertThat(c.hash()).isNotEqualTo(a.hash());
    // and so is another service
    assertThat(fingerprinter.fingerprint("web", null, null, stack1).hash()).isNotEqualTo(a.hash());
  }

  @Test
  void theSameRootCauseBehindAnotherWrapperIsTheSameError() {
    String root =
        """
        Caused by: java.sql.SQLException: connection reset
        \tat com.shop.db.Repo.query(Repo.java:33)
        \t... 2 more
        """;
    String viaServlet =
        "javax.servlet.ServletException: failed\n\tat com.shop.web.Servlet.doGet(Servlet.java:5)\n\tat com.shop.Main.run(Main.java:3)\n" + root;
    String viaServletOtherLine = viaServlet.replace("Servlet.java:5", "Servlet.java:6");
    Fingerprint a = fingerprinter.fingerprint("shop", "javax.servlet.ServletException", null, viaServlet);
    assertThat(fingerprinter.fingerprint("shop", "javax.servlet.ServletException", null, viaServletOtherLine).hash())
        .isEqualTo(a.hash());
    assertThat(a.frames()).containsExactly("com.shop.db.Repo::query", "com.shop.web.Servlet::doGet", "com.shop.Main::run");
    assertThat(a.template()).as("the reported (outermost) message").isEqualTo("failed");
  }

  @Test
  void onlyLibraryFramesKeepTheMessageInTheHash() {
    String stack = "java.net.SocketTimeoutException: Read timed out\n\tat java.net.SocketInputStream.read(SocketInputStream.java:1)\n";
    Fingerprint a = fingerprinter.fingerprint("api", null, "Read timed out", stack);
    Fingerprint b = fingerprinter.fingerprint("api", null, "Connect timed out", stack);
    assertThat(a.frames()).containsExactly("java.net.SocketInputStream::read");
    assertThat(b.hash()).isNotEqualTo(a.hash());
  }

  @Test
  void everyPartMayBeMissing() {
    Fingerprint none = fingerprinter.fingerprint(null, null, null, null);
    assertThat(none.template()).isEmpty();
    assertThat(none.hash()).hasSize(16);
    assertThat(fingerprinter.fingerprint(" ", "", "", " ").hash()).isEqualTo(none.hash());
    assertThat(fingerprinter.fingerprint(null, null, "disk 93% full", null).hash())
        .isEqualTo(fingerprinter.fingerprint(null, null, "disk 97% full", null).hash());
  }

  @Test
  void aSyntheticStreamOf200ErrorsGivesAbout200Signatures() {
    SyntheticErrors stream = new SyntheticErrors(2024);
    Set<String> fingerprints = new HashSet<>();
    Set<Integer> kinds = new HashSet<>();
    int events = 0;
    for (SyntheticErrors.Event e : stream.events(20_000)) {
      fingerprints.add(fingerprinter.fingerprint(e.service(), e.type(), e.message(), e.stack()).hash());
      kinds.add(e.kind());
      events++;
    }
    assertThat(events).isEqualTo(20_000);
    assertThat(kinds).hasSize(SyntheticErrors.KINDS);
    assertThat(fingerprints.size())
        .as("signatures for %d distinct errors", SyntheticErrors.KINDS)
        .isBetween(180, 220);
  }
}
