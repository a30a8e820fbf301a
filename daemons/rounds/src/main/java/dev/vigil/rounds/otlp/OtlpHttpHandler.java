package dev.vigil.rounds.otlp;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.vigil.rounds.otlp.OtlpIntake.Result;
import dev.vigil.rounds.otlp.OtlpIntake.SinkFailedException;
import dev.vigil.rounds.otlp.OtlpMetrics.Outcome;
import dev.vigil.rounds.otlp.OtlpMetrics.Signal;
import dev.vigil.rounds.otlp.OtlpMetrics.Transport;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP on Jetty's core handler API: {@code POST /v1/traces} and {@code POST /v1/logs} in
 * protobuf ({@code application/x-protobuf}) or OTLP/JSON ({@code application/json}), optionally
 * {@code Content-Encoding: gzip}. {@code POST /v1/metrics} is read and dropped with a success, so
 * an SDK that exports every signal to one endpoint does not log failures for metrics.
 *
 * <p>Answers, as the OTLP specification says: 200 with the export response in the request's
 * encoding (with {@code partialSuccess} when records were rejected); 400 with a {@code
 * google.rpc.Status} naming what is malformed; 413 when the body, after decompression, is over the
 * limit; 415 for another content type or encoding; 405 for another method; 404 for another path;
 * 503 when the event store failed (the exporter retries). A 200 is sent only after the events are
 * committed.
 *
 * <p>The handler blocks (it reads the body and waits for the store), so it runs on virtual
 * threads; thread-safe.
 */
final class OtlpHttpHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(OtlpHttpHandler.class);
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";
  // google.rpc.Code values for the Status body of an error answer
  private static final int INVALID_ARGUMENT = 3;
  private static final int RESOURCE_EXHAUSTED = 8;
  private static final int UNIMPLEMENTED = 12;
  private static final int INTERNAL = 13;
  private static final int UNAVAILABLE = 14;

  private final OtlpIntake intake;
  private final OtlpMetrics metrics;
  private final OtlpJson json = new OtlpJson();
  private final int maxBodyBytes;

  OtlpHttpHandler(OtlpIntake intake, OtlpMetrics metrics, int maxBodyBytes) {
    this.intake = intake;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** What a request gets back. */
  private record Reply(int status, String contentType, byte[] body, String allow, boolean partial) {
    static Reply of(int status, String contentType, byte[] body) {
      return new Reply(status, contentType, body, null, false);
    }
  }

  /** The body was over the limit. */
  private static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Reply reply;
    try {
      reply = dispatch(request);
    } catch (RuntimeException | LinkageError e) {
      log.error("OTLP {} {} failed", request.getMethod(), request.getHttpURI().getPath(), e);
      reply = status(500, JSON, INTERNAL, "internal error: " + e);
    }
    response.setStatus(reply.status());
    var headers = response.getHeaders();
    headers.put(HttpHeader.CONTENT_TYPE, reply.contentType());
    if (reply.allow() != null) {
      headers.put(HttpHeader.ALLOW, reply.allow());
    }
    headers.put(HttpHeader.CONTENT_LENGTH, reply.body().length);
    response.write(true, ByteBuffer.wrap(reply.body()), callback);
    return true;
  }

  private Reply dispatch(Request request) {
    String path = Request.getPathInContext(request);
    Signal signal =
        switch (path) {
          case "/v1/traces" -> Signal.TRACES;
          case "/v1/logs" -> Signal.LOGS;
          case "/v1/metrics" -> Signal.METRICS;
          default -> null;
        };
    if (signal == null) {
      return status(404, JSON, UNIMPLEMENTED, "no OTLP endpoint " + path + "; use /v1/traces or /v1/logs");
    }
    if (!request.getMethod().equals("POST")) {
      Reply r = status(405, JSON, UNIMPLEMENTED, request.getMethod() + " is not allowed on " + path + "; use POST");
      return new Reply(r.status(), r.contentType(), r.body(), "POST", false);
    }
    String type = mediaType(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
    boolean protobuf = type.equals(PROTOBUF) || type.equals("application/protobuf");
    if (!protobuf && !type.equals(JSON)) {
      metrics.request(Transport.HTTP, signal, Outcome.UNSUPPORTED, 0);
      return status(
          415,
          JSON,
          INVALID_ARGUMENT,
          "unsupported content type '" + type + "'; use " + PROTOBUF + " or " + JSON);
    }
    String answerType = protobuf ? PROTOBUF : JSON;
    String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
    boolean gzip = false;
    if (encoding != null && !encoding.isBlank()) {
      String e = encoding.strip().toLowerCase(Locale.ROOT);
      if (e.equals("gzip") || e.equals("x-gzip")) {
        gzip = true;
      } else if (!e.equals("identity")) {
        metrics.request(Transport.HTTP, signal, Outcome.UNSUPPORTED, 0);
        return status(415, answerType, INVALID_ARGUMENT, "unsupported content encoding '" + encoding + "'; use gzip or none");
      }
    }

    byte[] body;
    int length;
    try {
      Body b = read(request, gzip);
      body = b.bytes();
      length = b.length();
    } catch (TooLargeException e) {
      metrics.request(Transport.HTTP, signal, Outcome.TOO_LARGE, 0);
      return status(413, answerType, RESOURCE_EXHAUSTED, "the request body is over " + maxBodyBytes + " bytes" + (gzip ? " after decompression" : ""));
    } catch (ZipException | EOFException e) {
      metrics.request(Transport.HTTP, signal, Outcome.BAD_REQUEST, 0);
      return status(400, answerType, INVALID_ARGUMENT, "the gzip body cannot be decompressed: " + e.getMessage());
    } catch (IOException e) {
      // the client went away or the connection broke mid-body; it will not read an answer
      metrics.request(Transport.HTTP, signal, Outcome.BAD_REQUEST, 0);
      return status(400, answerType, INVALID_ARGUMENT, "the request body could not be read: " + e.getMessage());
    }

    try {
      Reply reply =
          switch (signal) {
            case TRACES -> traces(body, length, protobuf);
            case LOGS -> logs(body, length, protobuf);
            case METRICS -> metrics(body, length, protobuf);
          };
      metrics.request(Transport.HTTP, signal, outcomeOf(reply), length);
      return reply;
    } catch (MalformedRequestException e) {
      metrics.request(Transport.HTTP, signal, Outcome.BAD_REQUEST, length);
      return status(400, answerType, INVALID_ARGUMENT, e.getMessage());
    } catch (SinkFailedException e) {
      metrics.request(Transport.HTTP, signal, Outcome.UNAVAILABLE, length);
      log.warn("OTLP {} export answered 503: {}", OtlpMetrics.name(signal), e.getMessage());
      return status(503, answerType, UNAVAILABLE, e.getMessage());
    }
  }

  private static Outcome outcomeOf(Reply reply) {
    return reply.partial() ? Outcome.PARTIAL : Outcome.OK;
  }

  private Reply traces(byte[] body, int length, boolean protobuf)
      throws MalformedRequestException, SinkFailedException {
    ExportTraceServiceRequest request;
    if (protobuf) {
      request = parse(() -> ExportTraceServiceRequest.parser().parseFrom(body, 0, length));
    } else {
      ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
      json.merge(body, length, b);
      request = b.build();
    }
    Result result = intake.traces(request);
    if (result.rejected() == 0) {
      return ok(protobuf, ExportTraceServiceResponse.getDefaultInstance(), false);
    }
    ExportTraceServiceResponse response =
        ExportTraceServiceResponse.newBuilder()
            .setPartialSuccess(
                ExportTracePartialSuccess.newBuilder()
                    .setRejectedSpans(result.rejected())
                    .setErrorMessage(result.errorMessage()))
            .build();
    return protobuf
        ? ok(true, response, true)
        : okJson(partialJson("rejectedSpans", result), true);
  }

  private Reply logs(byte[] body, int length, boolean protobuf)
      throws MalformedRequestException, SinkFailedException {
    ExportLogsServiceRequest request;
    if (protobuf) {
      request = parse(() -> ExportLogsServiceRequest.parser().parseFrom(body, 0, length));
    } else {
      ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
      json.merge(body, length, b);
      request = b.build();
    }
    Result result = intake.logs(request);
    if (result.rejected() == 0) {
      return ok(protobuf, ExportLogsServiceResponse.getDefaultInstance(), false);
    }
    ExportLogsServiceResponse response =
        ExportLogsServiceResponse.newBuilder()
            .setPartialSuccess(
                ExportLogsPartialSuccess.newBuilder()
                    .setRejectedLogRecords(result.rejected())
                    .setErrorMessage(result.errorMessage()))
            .build();
    return protobuf
        ? ok(true, response, true)
        : okJson(partialJson("rejectedLogRecords", result), true);
  }

  /** Metrics are not used by Vigil: the body was read within the limit, and is dropped. */
  private Reply metrics(byte[] body, int length, boolean protobuf) {
    return ok(protobuf, ExportMetricsServiceResponse.getDefaultInstance(), false);
  }

  @FunctionalInterface
  private interface ProtoParse<T> {
    T parse() throws InvalidProtocolBufferException;
  }

  private static <T> T parse(ProtoParse<T> parse) throws MalformedRequestException {
    try {
      return parse.parse();
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedRequestException("the body is not a valid protobuf export request: " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------- the body

  private record Body(byte[] bytes, int length) {}

  /**
   * Reads the body, decompressing as it goes, and fails with {@link TooLargeException} as soon as
   * it passes the limit, so neither a large body nor a gzip bomb is held in memory.
   */
  private Body read(Request request, boolean gzip) throws IOException {
    long declared = request.getLength();
    if (!gzip && declared > maxBodyBytes) {
      drain(request);
      throw new TooLargeException();
    }
    try (InputStream raw = Request.asInputStream(request)) {
      if (!gzip && declared >= 0) {
        byte[] bytes = new byte[(int) declared];
        int n = raw.readNBytes(bytes, 0, bytes.length);
        if (n != bytes.length) {
          throw new EOFException("the body ended after " + n + " of " + declared + " bytes");
        }
        return new Body(bytes, n);
      }
      InputStream in = gzip ? new GZIPInputStream(raw, 16 * 1024) : raw;
      Exposed out = new Exposed(gzip ? Math.max(1024, (int) Math.min(declared * 4, maxBodyBytes)) : 8192);
      byte[] chunk = new byte[16 * 1024];
      int n;
      while ((n = in.read(chunk)) > 0) {
        if (out.size() + (long) n > maxBodyBytes) {
          throw new TooLargeException();
        }
        out.write(chunk, 0, n);
      }
      return new Body(out.buffer(), out.size());
    }
  }

  /**
   * Reads (and drops) a body declared over the limit, up to the limit's size again, so the client
   * gets its 413 rather than a reset while it is still sending; past that the connection is
   * closed by Jetty.
   */
  private void drain(Request request) {
    try (InputStream in = Request.asInputStream(request)) {
      in.skipNBytes(Math.min(request.getLength(), maxBodyBytes + 1L));
    } catch (IOException e) {
      log.debug("draining an over-long OTLP body failed", e);
    }
  }

  /** A byte array output stream that hands out its buffer instead of copying it. */
  private static final class Exposed extends ByteArrayOutputStream {
    Exposed(int size) {
      super(size);
    }

    byte[] buffer() {
      return buf;
    }
  }

  // ---------------------------------------------------------------------------- the answers

  private static Reply ok(boolean protobuf, Message response, boolean partial) {
    if (protobuf) {
      return new Reply(200, PROTOBUF, response.toByteArray(), null, partial);
    }
    return okJson("{}", partial);
  }

  private static Reply okJson(String body, boolean partial) {
    return new Reply(200, JSON, body.getBytes(StandardCharsets.UTF_8), null, partial);
  }

  private static String partialJson(String field, Result result) {
    return "{\"partialSuccess\":{\""
        + field
        + "\":\""
        + result.rejected()
        + "\",\"errorMessage\":"
        + jsonString(result.errorMessage())
        + "}}";
  }

  /** An error answer: a {@code google.rpc.Status} in protobuf or JSON. */
  private static Reply status(int httpStatus, String type, int code, String message) {
    if (type.equals(PROTOBUF)) {
      try {
        byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[CodedOutputStream.computeInt32Size(1, code) + CodedOutputStream.computeByteArraySize(2, utf8)];
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        o.writeInt32(1, code);
        o.writeByteArray(2, utf8);
        o.checkNoSpaceLeft();
        return Reply.of(httpStatus, PROTOBUF, out);
      } catch (IOException e) {
        throw new IllegalStateException("encoding a Status into an exact-size array failed", e);
      }
    }
    String body = "{\"code\":" + code + ",\"message\":" + jsonString(message) + "}";
    return Reply.of(httpStatus, JSON, body.getBytes(StandardCharsets.UTF_8));
  }

  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static String mediaType(String header) {
    if (header == null) {
      return "";
    }
    int semi = header.indexOf(';');
    return (semi < 0 ? header : header.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
  }
}
