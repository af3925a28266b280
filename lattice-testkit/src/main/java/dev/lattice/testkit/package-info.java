/**
 * Test backends.
 *
 * <p>{@link dev.lattice.testkit.EchoServer} answers HTTP/1.1 and h2c on one port with a JSON description of the
 * request: {@code {name, namespace, method, path, host, proto, headers: {name: [values]}, bodyLength, remote}}.
 * <ul>
 *   <li>{@code ?delay=500ms} (or {@code 1s}, or bare milliseconds) waits before answering, without blocking;</li>
 *   <li>{@code /status/NNN} answers with status NNN;</li>
 *   <li>{@code /bytes/N} streams N bytes of {@code application/octet-stream};</li>
 *   <li>request header {@code X-Echo-Set-Header: k:v,k2:v2} adds those response headers;</li>
 *   <li>{@code GET /.echo/requests} returns the last 1000 requests seen (newest last).</li>
 *   <li>the retry simulation (as the Gateway API conformance echo has it): a request whose query has
 *       {@code succeedAfter=N} and {@code uuid=ID} fails its first N attempts with that uuid, then is answered as
 *       usual. A failure is status {@code responseCode=NNN} when given, else a connection reset (HTTP/1.1: TCP RST;
 *       h2c: RST_STREAM); {@code delayRetry=300ms} delays each failure. Failed attempts are in the request log with
 *       {@code retryAttempt} and {@code retryFailure}; the echo remembers the last 10000 uuids. A missing uuid or a
 *       bad number answers 400.</li>
 *   <li>an HTTP/1.1 {@code Upgrade: websocket} request to any path is accepted; the first message is a JSON hello
 *       (the description above plus {@code websocket: true}), then every text and binary message is echoed;</li>
 * </ul>
 * <p>With a {@code grpcPort} ({@code lattice echo --grpc-port P}) a grpc-java server beside it serves
 * {@link dev.lattice.testkit.EchoGrpc} ({@code lattice.echo.v1.Echo/Echo} and {@code /EchoTwo}, unary,
 * {@code google.protobuf.Struct} in and out, no protoc), answering with name, namespace, method, authority,
 * metadata and the request.
 */
package dev.lattice.testkit;
