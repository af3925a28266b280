package dev.lattice.testkit.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.lattice.testkit.EchoGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The server half of {@link EchoGrpc}: answers with who it is, the method, the metadata and the request. */
public final class GrpcEchoService {
    private static final Context.Key<Metadata> METADATA = Context.key("lattice-echo-metadata");
    private static final Context.Key<String> AUTHORITY = Context.key("lattice-echo-authority");

    private GrpcEchoService() {
    }

    /** The service definition, with the interceptor that makes metadata and authority visible to the methods. */
    public static ServerServiceDefinition definition(String name, String namespace) {
        requireNonNull(name, "name");
        requireNonNull(namespace, "namespace");
        ServerServiceDefinition def = ServerServiceDefinition.builder(EchoGrpc.SERVICE)
                .addMethod(EchoGrpc.ECHO, ServerCalls.asyncUnaryCall(
                        (req, out) -> answer(name, namespace, EchoGrpc.ECHO, req, out)))
                .addMethod(EchoGrpc.ECHO_TWO, ServerCalls.asyncUnaryCall(
                        (req, out) -> answer(name, namespace, EchoGrpc.ECHO_TWO, req, out)))
                .build();
        return ServerInterceptors.intercept(def, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String authority = call.getAuthority() == null ? "" : call.getAuthority();
                Context ctx = Context.current().withValues(METADATA, headers, AUTHORITY, authority);
                return Contexts.interceptCall(ctx, call, headers, next);
            }
        });
    }

    private static void answer(String name, String namespace, MethodDescriptor<Struct, Struct> method,
                               Struct request, StreamObserver<Struct> out) {
        Metadata md = METADATA.get();
        Map<String, List<String>> sorted = new TreeMap<>();
        if (md != null) {
            for (String key : md.keys()) {
                if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    continue;
                }
                Iterable<String> values = md.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                List<String> list = new ArrayList<>();
                if (values != null) {
                    values.forEach(list::add);
                }
                sorted.put(key, list);
            }
        }
        Struct.Builder metadata = Struct.newBuilder();
        sorted.forEach((k, vs) -> {
            ListValue.Builder lv = ListValue.newBuilder();
            vs.forEach(v -> lv.addValues(str(v)));
            metadata.putFields(k, Value.newBuilder().setListValue(lv).build());
        });
        String authority = AUTHORITY.get();
        Struct response = Struct.newBuilder()
                .putFields("name", str(name))
                .putFields("namespace", str(namespace))
                .putFields("method", str(method.getFullMethodName()))
                .putFields("authority", str(authority == null ? "" : authority))
                .putFields("metadata", Value.newBuilder().setStructValue(metadata).build())
                .putFields("request", Value.newBuilder().setStructValue(request).build())
                .build();
        out.onNext(response);
        out.onCompleted();
    }

    private static Value str(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
