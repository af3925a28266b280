package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.lattice.control.ProxyId;
import dev.lattice.control.translate.ir.Ir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The IR of every proxy as YAML, for the IR goldens: deterministic and meant to be read. Each record is a mapping of
 * its components in declaration order; a null component, an empty list, map or mapping is left out (false and 0 are
 * kept); a record where its declared type is an interface (an {@code Ir.Action}, an {@code Ir.ChainAction}) is wrapped
 * in a one-key mapping naming its type ({@code Forward: {...}}); enums are their names; map entries are sorted by key;
 * multi-line strings (PEM) are literal blocks. Anything else (a class that is not a record, an unordered set) fails,
 * so a new IR type cannot bring hash order or identity into a golden.
 */
final class IrYaml {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build());
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private IrYaml() {}

    /** {@code proxies:} each proxy by node id (sorted), with its listeners and clusters. */
    static String render(Map<ProxyId, Ir.Proxy> proxies) {
        ObjectNode root = NODES.objectNode();
        ObjectNode ps = root.putObject("proxies");
        proxies.entrySet().stream().sorted(Comparator.comparing(e -> e.getKey().nodeId())).forEach(e -> {
            ObjectNode p = ps.putObject(e.getKey().nodeId());
            ArrayNode ls = p.putArray("listeners");
            e.getValue().listeners().forEach(l -> ls.add(node(l, Ir.Listener.class)));
            ArrayNode cs = p.putArray("clusters");
            e.getValue().clusters().forEach(c -> cs.add(node(c, Ir.Cluster.class)));
        });
        try {
            return YAML.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode node(Object v, Type declared) {
        if (v == null) return NODES.nullNode();
        if (v instanceof String s) return NODES.textNode(s);
        if (v instanceof Boolean b) return NODES.booleanNode(b);
        if (v instanceof Integer i) return NODES.numberNode(i);
        if (v instanceof Long l) return NODES.numberNode(l);
        if (v instanceof Enum<?> e) return NODES.textNode(e.name());
        if (v instanceof java.util.List<?> list) {
            ArrayNode a = NODES.arrayNode();
            Type element = typeArgument(declared, 0);
            for (Object o : list) a.add(node(o, element));
            return a;
        }
        if (v instanceof Map<?, ?> map) {
            ObjectNode o = NODES.objectNode();
            Type value = typeArgument(declared, 1);
            Map<String, Object> sorted = new TreeMap<>();
            map.forEach((k, x) -> sorted.put(String.valueOf(k), x));
            sorted.forEach((k, x) -> o.set(k, node(x, value)));
            return o;
        }
        if (v instanceof Collection<?>) throw new IllegalArgumentException("not a list: " + v.getClass());
        if (!(v instanceof Record r)) throw new IllegalArgumentException("IR values are records, not " + v.getClass());
        ObjectNode o = NODES.objectNode();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object x;
            try {
                x = c.getAccessor().invoke(r);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(c.toString(), e);
            }
            JsonNode n = node(x, c.getGenericType());
            if (n.isNull() || (n.isContainerNode() && n.isEmpty())) continue;
            o.set(c.getName(), n);
        }
        Class<?> raw = raw(declared);
        if (raw != null && (raw.isInterface() || raw == Object.class)) {
            ObjectNode wrapped = NODES.objectNode();
            wrapped.set(r.getClass().getSimpleName(), o);
            return wrapped;
        }
        return o;
    }

    private static Type typeArgument(Type t, int i) {
        return t instanceof ParameterizedType p && p.getActualTypeArguments().length > i ? p.getActualTypeArguments()[i] : Object.class;
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) return c;
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) return c;
        return null;
    }
}
