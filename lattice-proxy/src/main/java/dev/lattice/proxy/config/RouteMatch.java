package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A route's match: a path match and header and query-parameter matchers, all of which must match. */
public record RouteMatch(PathMatch path, List<HeaderMatch> headers, List<QueryMatch> queryParameters) {
    public RouteMatch {
        requireNonNull(path, "path");
        headers = List.copyOf(requireNonNull(headers, "headers"));
        queryParameters = List.copyOf(requireNonNull(queryParameters, "queryParameters"));
    }

    /** A header matcher; {@code name} is lower-cased, {@code ":method"} matches the request method. */
    public record HeaderMatch(String name, StringMatch match) {
        public HeaderMatch {
            requireNonNull(name, "name");
            requireNonNull(match, "match");
        }
    }

    /** A query-parameter matcher on the first value of the parameter. */
    public record QueryMatch(String name, StringMatch match) {
        public QueryMatch {
            requireNonNull(name, "name");
            requireNonNull(match, "match");
        }
    }
}
