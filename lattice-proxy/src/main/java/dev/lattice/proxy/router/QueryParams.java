package dev.lattice.proxy.router;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Query-string parsing for route matching: the first value of each parameter, percent-decoded. */
public final class QueryParams {
    private QueryParams() {}

    public static Map<String, String> parse(String uri, int pathEnd) {
        Map<String, String> out = new HashMap<>();
        if (pathEnd >= uri.length()) {
            return out;
        }
        int end = uri.indexOf('#', pathEnd + 1);
        if (end < 0) {
            end = uri.length();
        }
        int start = pathEnd + 1;
        while (start < end) {
            int amp = uri.indexOf('&', start);
            if (amp < 0 || amp > end) {
                amp = end;
            }
            if (amp > start) {
                int eq = uri.indexOf('=', start);
                String name;
                String value;
                if (eq < 0 || eq > amp) {
                    name = decode(uri.substring(start, amp));
                    value = "";
                } else {
                    name = decode(uri.substring(start, eq));
                    value = decode(uri.substring(eq + 1, amp));
                }
                out.putIfAbsent(name, value);
            }
            start = amp + 1;
        }
        return out;
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
