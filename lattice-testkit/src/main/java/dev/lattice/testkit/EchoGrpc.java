package dev.lattice.testkit;

import com.google.protobuf.Struct;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC echo service {@code lattice.echo.v1.Echo}, described without protoc: two unary methods,
 * {@code Echo} and {@code EchoTwo}, whose request and response are {@code google.protobuf.Struct}.
 *
 * <p>The response carries {@code name}, {@code namespace} (of the echo that answered), {@code method}
 * (the full method name, e.g. {@code lattice.echo.v1.Echo/Echo}), {@code authority}, {@code metadata}
 * (request metadata: key to a list of string values; binary {@code -bin} keys are left out) and
 * {@code request} (the request Struct, unchanged). Call it with
 * {@code ClientCalls.blockingUnaryCall(channel, EchoGrpc.ECHO, CallOptions.DEFAULT, struct)}.
 */
public final class EchoGrpc {
    /** The full service name. */
    public static final String SERVICE = "lattice.echo.v1.Echo";

    /** {@code lattice.echo.v1.Echo/Echo}. */
    public static final MethodDescriptor<Struct, Struct> ECHO = method("Echo");

    /** {@code lattice.echo.v1.Echo/EchoTwo}: the same answer under a second method name. */
    public static final MethodDescriptor<Struct, Struct> ECHO_TWO = method("EchoTwo");

    private EchoGrpc() {
    }

    private static MethodDescriptor<Struct, Struct> method(String name) {
        return MethodDescriptor.<Struct, Struct>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(ProtoUtils.marshaller(Struct.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(Struct.getDefaultInstance()))
                .setSampledToLocalTracing(false)
                .build();
    }
}
