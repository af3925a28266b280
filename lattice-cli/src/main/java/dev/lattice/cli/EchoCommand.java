package dev.lattice.cli;

import dev.lattice.testkit.EchoServer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lattice echo}: the echo backend (HTTP/1.1 and h2c). */
@Command(name = "echo", description = "Run the echo backend: answers every request with JSON describing it "
        + "(?delay=500ms, /status/NNN, /bytes/N, X-Echo-Set-Header, GET /.echo/requests; retry simulation: "
        + "?uuid=ID&succeedAfter=N fails the first N attempts of ID with a reset, or with &responseCode=NNN, "
        + "each failure after &delayRetry=300ms).")
public final class EchoCommand implements Callable<Integer> {
    @Option(names = "--port", required = true, description = "port to listen on (0 = a free one)")
    int port;

    @Option(names = "--name", required = true, description = "name reported in every answer")
    String name;

    @Option(names = {"--namespace", "-n"}, defaultValue = "default", description = "namespace reported (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--address", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String address;

    @Option(names = "--threads", defaultValue = "1", description = "event loops (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--grpc-port", defaultValue = "-1",
            description = "also serve the gRPC echo lattice.echo.v1.Echo (h2c) on this port (0 = a free one; default: none)")
    int grpcPort;

    @Override
    public Integer call() throws InterruptedException {
        EchoServer echo = EchoServer.start(address, port, grpcPort, name, namespace, threads);
        Runtime.getRuntime().addShutdownHook(new Thread(echo::close, "echo-shutdown"));
        System.out.println("lattice echo " + namespace + "/" + name + " listening on " + address + ":" + echo.port()
                + " (HTTP/1.1, h2c, WebSocket)"
                + (echo.grpcPort() >= 0 ? " gRPC on " + address + ":" + echo.grpcPort() : "")
                + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        echo.awaitClose();
        return 0;
    }
}
