package dev.courier.retry;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code Upstash-Retry-Delay} expression (spec §9): arithmetic over the variable {@code retried}
 * yielding milliseconds. Parsed once by recursive descent into a tree of lambdas; no script engine,
 * so user input can never run arbitrary code.
 *
 * <pre>
 * expr    := term (('+' | '-') term)*
 * term    := unary (('*' | '/') unary)*
 * unary   := ('-' | '+') unary | primary
 * primary := number | 'retried' | name '(' expr (',' expr)* ')' | '(' expr ')'
 * </pre>
 * Error positions in messages are 0-based character offsets into the source.
 */
public final class RetryDelayExpression {

    static final int MAX_LENGTH = 512;
    static final int MAX_DEPTH = 64;

    @FunctionalInterface
    private interface Node {
        double eval(double retried);
    }

    private final String source;
    private final Node root;

    private RetryDelayExpression(String source, Node root) {
        this.source = source;
        this.root = root;
    }

    /** Compiles {@code source}; throws IllegalArgumentException with a message fit for API users. */
    public static RetryDelayExpression parse(String source) {
        if (source == null || source.isBlank()) {
            throw error("empty expression");
        }
        if (source.length() > MAX_LENGTH) {
            throw error("longer than " + MAX_LENGTH + " characters");
        }
        return new RetryDelayExpression(source, new Parser(source).parseAll());
    }

    public String source() {
        return source;
    }

    /**
     * Delay in ms for a retry after {@code retried} retries so far (0 before the first retry).
     * NaN and negative results give 0; results beyond long range saturate at Long.MAX_VALUE, so
     * callers must apply their own cap.
     */
    public long delayMillis(int retried) {
        double v = root.eval(retried);
        if (Double.isNaN(v) || v <= 0) {
            return 0;
        }
        // Truncation like Go's int64(float); the comparison also catches +Infinity.
        return v >= (double) Long.MAX_VALUE ? Long.MAX_VALUE : (long) v;
    }

    @Override
    public String toString() {
        return source;
    }

    private static IllegalArgumentException error(String detail) {
        return new IllegalArgumentException("invalid retry delay expression: " + detail);
    }

    // ---- parsing -------------------------------------------------------------------------------

    private static final class Parser {
        private final String src;
        private int pos;
        private int depth;

        Parser(String src) {
            this.src = src;
        }

        Node parseAll() {
            Node n = expr();
            skipSpace();
            if (pos < src.length()) {
                throw unexpected();
            }
            return n;
        }

        private Node expr() {
            Node left = term();
            while (true) {
                char c = peek();
                if (c == '+' || c == '-') {
                    pos++;
                    Node l = left;
                    Node r = term();
                    left = c == '+' ? x -> l.eval(x) + r.eval(x) : x -> l.eval(x) - r.eval(x);
                } else {
                    return left;
                }
            }
        }

        private Node term() {
            Node left = unary();
            while (true) {
                char c = peek();
                if (c == '*' || c == '/') {
                    pos++;
                    Node l = left;
                    Node r = unary();
                    left = c == '*' ? x -> l.eval(x) * r.eval(x) : x -> l.eval(x) / r.eval(x);
                } else {
                    return left;
                }
            }
        }

        private Node unary() {
            char c = peek();
            if (c == '-' || c == '+') {
                int at = pos;
                pos++;
                // Chains like "----1" recurse too, so they count toward the depth limit.
                enter(at);
                Node operand = unary();
                depth--;
                return c == '-' ? x -> -operand.eval(x) : operand;
            }
            return primary();
        }

        private Node primary() {
            char c = peek();
            if (pos >= src.length()) {
                throw error("unexpected end of expression");
            }
            if (c == '(') {
                enter(pos);
                pos++;
                Node inner = expr();
                expect(')');
                depth--;
                return inner;
            }
            if (isDigit(c) || c == '.') {
                return number();
            }
            if (Character.isLetter(c)) {
                int at = pos;
                String name = identifier();
                if (name.equals("retried")) {
                    if (peek() == '(') {
                        throw error("'retried' is a variable, not a function, at " + at);
                    }
                    return x -> x;
                }
                if (peek() != '(') {
                    throw error("unknown identifier '" + name + "' at " + at);
                }
                return call(name, at);
            }
            throw unexpected();
        }

        private Node call(String name, int at) {
            int expected = arity(name);
            if (expected == 0) {
                throw error("unknown function '" + name + "' at " + at);
            }
            enter(at);
            pos++; // '('
            List<Node> args = new ArrayList<>();
            args.add(expr());
            while (peek() == ',') {
                pos++;
                args.add(expr());
            }
            expect(')');
            depth--;
            if (expected > 0 && args.size() != expected) {
                throw error(name + " takes " + expected + " argument" + (expected == 1 ? "" : "s")
                        + ", got " + args.size() + " at " + at);
            }
            if (expected < 0 && args.size() < 2) {
                throw error(name + " takes at least 2 arguments, got " + args.size() + " at " + at);
            }
            Node a = args.get(0);
            switch (name) {
                case "sqrt": return x -> Math.sqrt(a.eval(x));
                case "abs": return x -> Math.abs(a.eval(x));
                case "exp": return x -> Math.exp(a.eval(x));
                case "floor": return x -> Math.floor(a.eval(x));
                case "ceil": return x -> Math.ceil(a.eval(x));
                case "round": return x -> roundHalfAwayFromZero(a.eval(x));
                case "pow": {
                    Node b = args.get(1);
                    return x -> Math.pow(a.eval(x), b.eval(x));
                }
                case "min": return fold(args, true);
                case "max": return fold(args, false);
                default: throw new AssertionError(name);
            }
        }

        /** 1 or 2 = fixed arity, -1 = variadic (2+), 0 = unknown. */
        private static int arity(String name) {
            switch (name) {
                case "sqrt": case "abs": case "exp": case "floor": case "ceil": case "round":
                    return 1;
                case "pow":
                    return 2;
                case "min": case "max":
                    return -1;
                default:
                    return 0;
            }
        }

        private static Node fold(List<Node> args, boolean min) {
            Node[] nodes = args.toArray(new Node[0]);
            return x -> {
                double acc = nodes[0].eval(x);
                for (int i = 1; i < nodes.length; i++) {
                    double v = nodes[i].eval(x);
                    acc = min ? Math.min(acc, v) : Math.max(acc, v);
                }
                return acc;
            };
        }

        private Node number() {
            int start = pos;
            while (pos < src.length() && isDigit(src.charAt(pos))) {
                pos++;
            }
            if (pos < src.length() && src.charAt(pos) == '.') {
                pos++;
                while (pos < src.length() && isDigit(src.charAt(pos))) {
                    pos++;
                }
            }
            String text = src.substring(start, pos);
            if (text.equals(".")) {
                throw error("unexpected '.' at " + start);
            }
            if (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '.')) {
                throw error("malformed number at " + start);
            }
            double value = Double.parseDouble(text);
            return x -> value;
        }

        private String identifier() {
            int start = pos;
            while (pos < src.length()
                    && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
            }
            return src.substring(start, pos);
        }

        private void expect(char c) {
            if (peek() != c) {
                if (pos >= src.length()) {
                    throw error("missing '" + c + "' at end of expression");
                }
                throw unexpected();
            }
            pos++;
        }

        private void enter(int at) {
            if (++depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " at " + at);
            }
        }

        /** Skips whitespace and returns the next char without consuming it, or '\0' at the end. */
        private char peek() {
            skipSpace();
            return pos < src.length() ? src.charAt(pos) : '\0';
        }

        private void skipSpace() {
            while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
                pos++;
            }
        }

        private IllegalArgumentException unexpected() {
            if (pos >= src.length()) {
                return error("unexpected end of expression");
            }
            return error("unexpected '" + src.charAt(pos) + "' at " + pos);
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }

    /** Go's math.Round semantics (half away from zero); Java's Math.round rounds -2.5 to -2. */
    static double roundHalfAwayFromZero(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double a = Math.abs(v);
        double t = Math.floor(a);
        if (a - t >= 0.5) {
            t += 1;
        }
        return Math.copySign(t, v);
    }
}
