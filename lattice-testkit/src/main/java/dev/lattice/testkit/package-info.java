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
 * </ul>
 */
package dev.lattice.testkit;
