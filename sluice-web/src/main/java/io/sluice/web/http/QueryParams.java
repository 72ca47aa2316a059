package io.sluice.web.http;

import io.javalin.http.Context;
import java.util.Set;
import java.util.TreeSet;

/** Typed query and path parameters; a bad one is a 422 naming it. */
public final class QueryParams {
    private QueryParams() {}

    public static long longParam(Context ctx, String name, long otherwise) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) {
            return otherwise;
        }
        return parseLong(name, text);
    }

    public static Integer intParam(Context ctx, String name, Integer otherwise, int min, int max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) {
            return otherwise;
        }
        long v = parseLong(name, text);
        if (v < min || v > max) {
            throw ApiProblem.invalid(name, "range", name + " must be between " + min + " and " + max);
        }
        return (int) v;
    }

    public static long pathLong(Context ctx, String name, long min) {
        long v = parseLong(name, ctx.pathParam(name));
        if (v < min) {
            throw ApiProblem.invalid(name, "range", name + " must be at least " + min);
        }
        return v;
    }

    public static String oneOf(Context ctx, String name, String otherwise, Set<String> allowed) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) {
            return otherwise;
        }
        if (!allowed.contains(text)) {
            throw ApiProblem.invalid(name, "enum", name + " must be one of " + new TreeSet<>(allowed));
        }
        return text;
    }

    private static long parseLong(String name, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid(name, "integer", name + " must be an integer");
        }
    }
}
