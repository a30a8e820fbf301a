package dev.vigil.rounds.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MessageNormaliserTest {
  private final MessageNormaliser normaliser = new MessageNormaliser();

  private String n(String message) {
    return normaliser.normalise(message);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          user 3fa85f64-5717-4562-b3fc-2c963f66afa6 gone  | user <uuid> gone
          USER 3FA85F64-5717-4562-B3FC-2C963F66AFA6 gone  | USER <uuid> gone
          id 3fa85f64-5717-4562-b3fc-2c963f66afa       | id <num>
          at 2024-01-02T10:11:12.345Z then               | at <ts> then
          at 2024-01-02T10:11:12+01:00 then              | at <ts> then
          at 2024-01-02 10:11:12,345 then                | at <ts> then
          on 2024-01-02 only                             | on <ts> only
          on 2024/01/02 only                             | on <ts> only
          at Fri Jun 17 07:07:00 2005 then               | at <ts> then
          at Jun 17 07:07:00 then                        | at <ts> then
          at Fri, 17 Jun 2005 07:07:00 GMT then          | at <ts> then
          at [17/Jun/2005:07:07:00 +0000] then           | at [<ts>] then
          at 07:07:00.123 then                           | at <ts> then
          lifetime 00:01 then                            | lifetime <ts> then
          flags 0x7f3a and 0X1                           | flags <hex> and <hex>
          trace 4bf92f3577b34da6a3ce929d0e0e4736 end     | trace <num> end
          object 9f4ef63 and deadbeefcafe                | object <num> and <num>
          from 10.0.0.7 on                               | from <host> on
          from 10.0.0.7:5432 on                          | from <host>:<num> on
          from [::1]:8080 on                             | from <host>:<num> on
          from fe80::1ff:fe23:4567:890a on               | from <host> on
          from ::ffff:10.0.0.1 on                        | from <host> on
          mac 5c:50:15:4c:18:13 seen                     | mac <host> seen
          to db-3.prod.example.com:5432 failed           | to <host>:<num> failed
          to api.example.com failed                      | to <host> failed
          to proxy.corp.example.asia:443 failed          | to <host>:<num> failed
          mail bob.smith+tag@example.co.uk now           | mail <email> now
          see https://example.com/a?b=1#c now            | see <url> now
          see (https://example.com/a). now               | see (<url>). now
          read /var/log/app.log. now                     | read <path>. now
          read C:\\Users\\bob\\x.txt now                 | read <path> now
          read \\\\server\\share\\x now                  | read <path> now
          run ./bin/run.sh now                           | run <path> now
          run ../x now                                   | run <path> now
          run ~/x now                                    | run <path> now
          key 'user_id' missing                          | key <str> missing
          key "user id" missing                          | key <str> missing
          key `user` missing                             | key <str> missing
          tag="View Lock" set                            | tag=<str> set
          count 42 items                                 | count <num> items
          delta -24.5 and +3                             | delta <num> and <num>
          took 250ms                                     | took <num>
          took 3.2s                                      | took <num>
          size 10MB                                      | size <num>
          size 17.7 GB free                              | size <num> free
          cpu 93%                                        | cpu <num>
          total 1,234,567 rows                           | total <num> rows
          at version 1.2.3 now                           | at version <num> now
          at v2.1.0 now                                  | at <num> now
          node worker-7 down                             | node <num> down
          block rdd_2_1 stored                           | block <num> stored
          job application_1485248649253_0147 done        | job <num> done
          on tty2 login                                  | on <num> login
          ready=true mode=FALSE                          | ready=<bool> mode=<bool>
          """)
  void masksEachKindOfVariableToken(String message, String template) {
    assertThat(n(message)).isEqualTo(template);
  }

  @ParameterizedTest(name = "{0} stays")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          can't connect: the server isn't ready
          Connection refused
          users' files are missing
          java.lang.IllegalStateException: boom
          org.apache.kafka.common.KafkaException
          com.android.systemui is not responding
          read/write and yes/no
          single /tmp and / alone
          IOThunderboltSwitch::listenerCallback and std::vector::at
          range a-b and snake_case_name
          decade facade abcdef cafe
          status NOT_FOUND
          Jun is a month and may be later
          trueish and falsehood
          """)
  void leavesOrdinaryWordsAlone(String message) {
    assertThat(n(message)).isEqualTo(message);
  }

  @Test
  void wordsWithDigitsAreValuesEvenWhenTheyAreNames() {
    // decided: an id left unmasked splits an error per id, a name masked merges at worst two
    assertThat(n("codec utf8 unsupported")).isEqualTo("codec <num> unsupported");
    assertThat(n("no ipv6 route")).isEqualTo("no <num> route");
    assertThat(n("digest sha256 mismatch")).isEqualTo("digest <num> mismatch");
    // but a dotted name keeps its other parts
    assertThat(n("class org.log4j.Logger missing")).isEqualTo("class org.<num>.Logger missing");
  }

  @Test
  void rulesDoNotBreakEachOther() {
    assertThat(n("GET https://10.0.0.1:8443/v1/users/3fa85f64-5717-4562-b3fc-2c963f66afa6?x=1 500"))
        .as("a URL with an IP, a port and a UUID is one URL")
        .isEqualTo("GET <url> <num>");
    assertThat(n("2024-01-02T10:11:12Z 42 retries"))
        .as("a timestamp next to a number")
        .isEqualTo("<ts> <num> retries");
    assertThat(n("failed at 10:11:12 after 3 tries"))
        .isEqualTo("failed at <ts> after <num> tries");
    assertThat(n("path /srv/3fa85f64-5717-4562-b3fc-2c963f66afa6/x.log missing"))
        .isEqualTo("path <path> missing");
    assertThat(n("quoted 'a 10.0.0.1 b' and 10.0.0.2"))
        .isEqualTo("quoted <str> and <host>");
    assertThat(n("mail x@10.0.0.1 bounced"))
        .as("an address at an IP is no e-mail, its IP still masked")
        .isEqualTo("mail x@<host> bounced");
    assertThat(n("connect /10.10.34.11:45307 refused"))
        .as("Java's InetSocketAddress text is an address, not a path")
        .isEqualTo("connect /<host>:<num> refused");
  }

  @Test
  void aListOfNumbersIsOneValue() {
    assertThat(n("channels 1 6 11 36")).isEqualTo("channels <num>");
    assertThat(n("channel 6,1")).isEqualTo("channel <num>");
    assertThat(n("ids 1, 2, 3 and 4")).isEqualTo("ids <num> and <num>");
  }

  @Test
  void whiteSpaceIsCollapsedAndNullIsEmpty() {
    assertThat(n("  a \t b\n\nc  ")).isEqualTo("a b c");
    assertThat(n(null)).isEmpty();
    assertThat(n("")).isEmpty();
    assertThat(n(" \t ")).isEmpty();
  }

  @Test
  void anUnclosedQuoteIsJustACharacter() {
    assertThat(n("it said \"hello and left 5")).isEqualTo("it said \"hello and left <num>");
  }

  @Test
  void normalisingATemplateChangesNothing() {
    Random random = new Random(42);
    for (int i = 0; i < 50_000; i++) {
      String message = i % 2 == 0 ? structured(random) : soup(random);
      String template = n(message);
      assertThat(n(template)).as("template of [%s]", message).isEqualTo(template);
      assertThat(template.chars().noneMatch(c -> c >= '0' && c <= '9'))
          .as("no digit survives in [%s] from [%s]", template, message)
          .isTrue();
    }
  }

  /** A message of realistic pieces in random order and with random glue. */
  static String structured(Random r) {
    String[] pieces = {
      "user", "failed", "to", "connect", "timeout", "after", "Connection", "refused",
      "java.lang.IllegalStateException:", "KeyError", "can't", "isn't",
      String.valueOf(r.nextInt(100_000)), "-" + r.nextInt(50), r.nextInt(999) + "ms",
      r.nextInt(10) + "." + r.nextInt(99) + "s", r.nextInt(64) + "MB", r.nextInt(99) + " KB",
      "0x" + Integer.toHexString(r.nextInt()), Long.toHexString(r.nextLong()),
      java.util.UUID.randomUUID().toString(),
      r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256),
      r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + ":" + r.nextInt(65536),
      "fe80::" + Integer.toHexString(r.nextInt(65536)), "[::1]:" + r.nextInt(9000),
      "db-" + r.nextInt(9) + ".prod.example.com", "svc.internal:" + r.nextInt(9999),
      "bob" + r.nextInt(99) + "@example.org", "https://api.example.com/v1/items/" + r.nextInt(999),
      "/var/lib/app/" + r.nextInt(99) + "/data.db", "C:\\app\\x" + r.nextInt(9) + ".dll",
      "'k" + r.nextInt(9) + "'", "\"some value\"", "`cmd`", "2024-0" + (1 + r.nextInt(9)) + "-1" + r.nextInt(9)
          + "T1" + r.nextInt(9) + ":3" + r.nextInt(9) + ":0" + r.nextInt(9) + "Z",
      "Fri Jun " + (1 + r.nextInt(28)) + " 07:0" + r.nextInt(9) + ":00 2005", "1" + r.nextInt(9) + ":4" + r.nextInt(9),
      "worker-" + r.nextInt(20), "rdd_" + r.nextInt(9) + "_" + r.nextInt(9), "v" + r.nextInt(9) + "." + r.nextInt(9),
      "true", "false", "<num>", "<str>", "a.b.com.5", "x@y", "key=" + r.nextInt(9), "(" + r.nextInt(9) + ")",
      "1,234", "50%", "+1s0ms", "--" + r.nextInt(9), "a::b", "::" + r.nextInt(9), "~/" + r.nextInt(9)
    };
    String[] glue = {" ", " ", " ", ", ", ": ", "=", "/", ".", "-", "_", "(", ")", "'", "\"", "[", "]", ":", "@", ""};
    StringBuilder b = new StringBuilder();
    int count = 1 + r.nextInt(12);
    for (int i = 0; i < count; i++) {
      b.append(pieces[r.nextInt(pieces.length)]).append(glue[r.nextInt(glue.length)]);
    }
    return b.toString();
  }

  /** Characters that matter to the scanner, thrown together. */
  static String soup(Random r) {
    String alphabet = "aZf09x.:-_/\\'\"`<>@%,=()[]{}~+ TjJunFri GMT";
    StringBuilder b = new StringBuilder();
    int len = r.nextInt(40);
    for (int i = 0; i < len; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}
