package dev.vigil.rounds.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StackTraceParserTest {
  private static ParsedStack parse(String text) {
    return StackTraceParser.parse(text).orElseThrow(() -> new AssertionError("not parsed: " + text));
  }

  private static List<String> keys(List<Frame> frames) {
    return frames.stream().map(Frame::key).toList();
  }

  private static List<String> inApp(List<Frame> frames) {
    return frames.stream().filter(Frame::inApp).map(Frame::key).toList();
  }

  static final String JVM =
      """
      org.springframework.web.util.NestedServletException: Request processing failed; nested exception is java.lang.IllegalStateException: order 42 has no lines
      \tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)
      \tat javax.servlet.http.HttpServlet.service(HttpServlet.java:681)
      \tat com.shop.web.Filters$1.doFilter(Filters.java:88)
      \tat java.base/java.lang.Thread.run(Thread.java:1583)
      Caused by: java.lang.IllegalStateException: order 42 has no lines
      \tat com.shop.orders.OrderService.lambda$total$0(OrderService.java:57)
      \tat java.base/java.util.Optional.orElseThrow(Optional.java:403)
      \tat com.shop.orders.OrderService.total(OrderService.java:55)
      \t... 3 more
      \tSuppressed: java.io.IOException: close failed
      \t\tat com.shop.io.Closer.close(Closer.java:12)
      \t\t... 4 more
      Caused by: java.sql.SQLException: connection reset
      \tat org.postgresql.core.v3.QueryExecutorImpl.execute(QueryExecutorImpl.java:355)
      \tat com.shop.orders.OrderRepository$$SpringCGLIB$$0.findLines(<generated>)
      \t... 5 more
      """;

  @Test
  void jvmTraceRootCauseFirstWithFramesSharedWithTheEnclosingAddedBack() {
    ParsedStack stack = parse(JVM);
    assertThat(stack.format()).isEqualTo(ParsedStack.Format.JVM);
    assertThat(stack.chain())
        .extracting(ParsedStack.Failure::type)
        .containsExactly(
            "java.sql.SQLException",
            "java.lang.IllegalStateException",
            "org.springframework.web.util.NestedServletException");
    assertThat(stack.root().message()).isEqualTo("connection reset");
    // "... 5 more" are the last five of the IllegalStateException's seven frames (its own four
    // and its "... 3 more"); the suppressed block is skipped
    assertThat(keys(stack.root().frames()))
        .containsExactly(
            "org.postgresql.core.v3.QueryExecutorImpl::execute",
            "com.shop.orders.OrderRepository::findLines",
            "java.util.Optional::orElseThrow",
            "com.shop.orders.OrderService::total",
            "javax.servlet.http.HttpServlet::service",
            "com.shop.web.Filters$::doFilter",
            "java.lang.Thread::run");
    assertThat(inApp(stack.chain().get(1).frames()))
        .containsExactly(
            "com.shop.orders.OrderService::lambda$total",
            "com.shop.orders.OrderService::total",
            "com.shop.web.Filters$::doFilter");
  }

  static String python(int shift, String root) {
    return """
        Traceback (most recent call last):
          File "/srv/app/releases/%d/shop/orders.py", line %d, in total
            return sum(line.price for line in lines[key])
                                              ~~~~~^^^^^
          File "/usr/lib/python3.12/site-packages/sqlalchemy/orm/query.py", line 2800, in __getitem__
            raise KeyError(key)
        %s

        During handling of the above exception, another exception occurred:

        Traceback (most recent call last):
          File "/srv/app/releases/%d/shop/api.py", line %d, in get_total
            return orders.total(order_id)
          File "/usr/lib/python3.12/json/encoder.py", line 180, in default
            raise TypeError(f'Object of type {o.__class__.__name__} is not JSON serializable')
        TypeError: Object of type Decimal is not JSON serializable
        """
        .formatted(shift, 57 + shift, root, shift, 12 + shift);
  }

  @Test
  void pythonChainRootIsTheFirstTracebackAndLinesDoNotMatter() {
    ParsedStack stack = parse(python(1, "KeyError: 'sku-42'"));
    assertThat(stack.format()).isEqualTo(ParsedStack.Format.PYTHON);
    assertThat(stack.chain()).extracting(ParsedStack.Failure::type).containsExactly("KeyError", "TypeError");
    assertThat(stack.root().message()).isEqualTo("'sku-42'");
    assertThat(stack.root().frames())
        .containsExactly(
            new Frame("sqlalchemy.orm.query", "__getitem__", false),
            new Frame("shop.orders", "total", true));
    assertThat(parse(python(7, "KeyError: 'sku-42'"))).isEqualTo(stack);
  }

  @Test
  void pythonDirectCauseAndQualifiedTypes() {
    ParsedStack stack =
        parse(
            """
            Traceback (most recent call last):
              File "/app/client.py", line 10, in fetch
                r = session.get(url)
            requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api', port=443)

            The above exception was the direct cause of the following exception:

            Traceback (most recent call last):
              File "/app/jobs.py", line 3, in run
                fetch()
            app.errors.FetchFailed: could not fetch
            """);
    assertThat(stack.chain())
        .extracting(ParsedStack.Failure::type)
        .containsExactly("requests.exceptions.ConnectionError", "app.errors.FetchFailed");
    assertThat(keys(stack.root().frames())).containsExactly("app.client::fetch");
  }

  @Test
  void goPanicFirstGoroutineOnly() {
    ParsedStack stack =
        parse(
            """
            panic: runtime error: invalid memory address or nil pointer dereference
            [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]

            goroutine 18 [running]:
            github.com/shop/api/orders.(*Service).Total(0x0, {0xc000126000, 0x24})
            \t/build/src/orders/service.go:57 +0x1d
            net/http.HandlerFunc.ServeHTTP(0xc0000a4000, {0x7f1c, 0xc000150000}, 0xc000170000)
            \t/usr/local/go/src/net/http/server.go:2136 +0x29
            main.main()
            \t/build/src/main.go:10 +0x25
            created by net/http.(*Server).Serve in goroutine 1
            \t/usr/local/go/src/net/http/server.go:3285 +0x4b4

            goroutine 1 [IO wait]:
            internal/poll.runtime_pollWait(0x7f, 0x72)
            \t/usr/local/go/src/runtime/netpoll.go:343 +0x85
            """);
    assertThat(stack.format()).isEqualTo(ParsedStack.Format.GO);
    assertThat(stack.root().type()).isEqualTo("panic");
    assertThat(stack.root().message())
        .isEqualTo("runtime error: invalid memory address or nil pointer dereference");
    assertThat(stack.root().frames())
        .containsExactly(
            new Frame("github.com/shop/api/orders.(*Service)", "Total", true),
            new Frame("net/http.HandlerFunc", "ServeHTTP", false),
            new Frame("main", "main", true));
  }

  @Test
  void nodeFramesWithAndWithoutFunctionNames() {
    ParsedStack stack =
        parse(
            """
            TypeError: Cannot read properties of undefined (reading 'id')
                at getUser (/srv/app/src/users.js:42:13)
                at async Promise.all (index 0)
                at /srv/app/src/server.js:10:5
                at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)
                at process.processTicksAndRejections (node:internal/process/task_queues:95:5)
                at async Object.run (file:///srv/app/src/jobs.mjs:7:3)
            """);
    assertThat(stack.format()).isEqualTo(ParsedStack.Format.NODE);
    assertThat(stack.root().type()).isEqualTo("TypeError");
    assertThat(stack.root().frames())
        .containsExactly(
            new Frame("src.users", "getUser", true),
            new Frame("src.server", "<anonymous>", true),
            new Frame("express.lib.router.layer", "Layer.handle", false),
            new Frame("node:internal/process/task_queues", "process.processTicksAndRejections", false),
            new Frame("src.jobs", "Object.run", true));
  }

  @Test
  void dotNetInnermostExceptionAndAsyncStateMachines() {
    ParsedStack stack =
        parse(
            """
            System.InvalidOperationException: Could not load order 42
             ---> System.Collections.Generic.KeyNotFoundException: The given key 'sku-9' was not present in the dictionary.
               at System.Collections.Generic.Dictionary`2.get_Item(TKey key)
               at Shop.Orders.PriceList.<PriceOfAsync>d__4.MoveNext() in /src/Shop/Orders/PriceList.cs:line 31
               at Shop.Orders.OrderService.Total(Int32 id) in C:\\src\\Shop\\Orders\\OrderService.cs:line 57
               --- End of inner exception stack trace ---
               at Shop.Orders.OrderService.Total(Int32 id) in C:\\src\\Shop\\Orders\\OrderService.cs:line 60
               at Shop.Api.OrdersController.<>c__DisplayClass3_0.<Get>b__0() in /src/Shop/Api/OrdersController.cs:line 17
            --- End of stack trace from previous location ---
               at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.Execute(IActionResultTypeMapper mapper)
            """);
    assertThat(stack.format()).isEqualTo(ParsedStack.Format.DOTNET);
    assertThat(stack.chain())
        .extracting(ParsedStack.Failure::type)
        .containsExactly(
            "System.Collections.Generic.KeyNotFoundException", "System.InvalidOperationException");
    assertThat(keys(stack.root().frames()))
        .containsExactly(
            "System.Collections.Generic.Dictionary`2::get_Item",
            "Shop.Orders.PriceList::PriceOfAsync",
            "Shop.Orders.OrderService::Total");
    assertThat(inApp(stack.chain().get(1).frames()))
        .containsExactly("Shop.Orders.OrderService::Total", "Shop.Api.OrdersController::Get");
  }

  @Test
  void textThatIsNoStackIsNotParsed() {
    assertThat(StackTraceParser.parse(null)).isEmpty();
    assertThat(StackTraceParser.parse("  \n")).isEmpty();
    assertThat(StackTraceParser.parse("just a message\nover two lines")).isEmpty();
  }

  @Test
  void theHandWrittenMatchersAgreeWithThePatternsTheyStandFor() {
    // the patterns the parsers used, and random lines built from the pieces they care about
    var at = java.util.regex.Pattern.compile("^\\s*at\\s+(.+)$");
    var jvmLocation = java.util.regex.Pattern.compile(
        "\\((?:[^()\\s]+\\.\\w+:\\d+|Native Method|Unknown Source|[^()\\s]+\\.\\w+|<generated>)\\)(?:\\s*~?\\[.*\\])?\\s*$");
    var jvmFrame = java.util.regex.Pattern.compile("^\\s*at\\s+([^\\s(]+)\\((.*)\\)(?:\\s*~?\\[.*\\])?\\s*$");
    var node = java.util.regex.Pattern.compile(":\\d+:\\d+\\)?\\s*$");
    String[] pieces = {
      "at", "at ", " ", "\t", "\f", "\n", "\r", "\r\n", "\u2028", "\u0085", "\u001C", "(", ")", ".", ":",
      "1", "42", "x", "_", "$", "[", "]", "~", "<generated>", "Native Method", "Unknown Source",
      "Foo.java", "Foo.java:12", "com.example.Foo.bar", "a:b", "~[app.jar:1.0]", "index.js:3:7"
    };
    var random = new java.util.Random(7);
    int jvmSeen = 0;
    for (int k = 0; k < 300_000; k++) {
      StringBuilder b = new StringBuilder();
      if (random.nextBoolean()) { // shaped like a frame, with random parts
        b.append(random.nextBoolean() ? "\t" : " ").append("at ").append(pieces[random.nextInt(pieces.length)]).append('(');
        for (int n = random.nextInt(3); n > 0; n--) {
          b.append(pieces[random.nextInt(pieces.length)]);
        }
        b.append(')');
      }
      for (int n = random.nextInt(random.nextBoolean() ? 3 : 9); n > 0; n--) {
        b.append(pieces[random.nextInt(pieces.length)]);
      }
      String s = b.toString();
      var m = at.matcher(s);
      assertThat(FrameLines.atRest(s)).as("at [%s]", s).isEqualTo(m.matches() ? m.group(1) : null);
      assertThat(FrameLines.hasJvmLocation(s)).as("location [%s]", s).isEqualTo(jvmLocation.matcher(s).find());
      var f = jvmFrame.matcher(s);
      boolean frame = f.matches();
      jvmSeen += frame ? 1 : 0;
      assertThat(FrameLines.jvmFrameName(s)).as("frame [%s]", s).isEqualTo(frame ? f.group(1) : null);
      assertThat(FrameLines.hasNodeLocation(s)).as("node [%s]", s).isEqualTo(node.matcher(s).find());
      assertThat(JvmStackParser.anonymousNumbersDropped(s)).as("[%s]", s).isEqualTo(s.replaceAll("\\$\\d+", "\\$"));
      if (s.indexOf('\u2028') < 0 && s.indexOf('\u0085') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
        // a frame's method name has no line terminator
        assertThat(JvmStackParser.trailingNumberDropped(s)).as("[%s]", s).isEqualTo(s.replaceAll("\\$\\d+$", ""));
      }
    }
    assertThat(jvmSeen).as("lines that are JVM frames").isGreaterThan(1_000);
  }
}
