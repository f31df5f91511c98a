package dev.courier.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryDelayExpressionTest {

    private static long eval(String src, int retried) {
        return RetryDelayExpression.parse(src).delayMillis(retried);
    }

    @Test
    void specExamples() {
        RetryDelayExpression constant = RetryDelayExpression.parse("1000");
        RetryDelayExpression linear = RetryDelayExpression.parse("1000 * (1 + retried)");
        RetryDelayExpression pow = RetryDelayExpression.parse("pow(2, retried) * 1000");
        for (int r = 0; r <= 2; r++) {
            assertEquals(1000, constant.delayMillis(r));
        }
        assertEquals(1000, linear.delayMillis(0));
        assertEquals(2000, linear.delayMillis(1));
        assertEquals(3000, linear.delayMillis(2));
        assertEquals(1000, pow.delayMillis(0));
        assertEquals(2000, pow.delayMillis(1));
        assertEquals(4000, pow.delayMillis(2));
    }

    @Test
    void keepsSource() {
        assertEquals(" 1000 * retried ", RetryDelayExpression.parse(" 1000 * retried ").source());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1 + 2 * 3            | 0 | 7",
        "(1 + 2) * 3          | 0 | 9",
        "10 - 4 - 3           | 0 | 3",
        "100 / 10 / 5         | 0 | 2",
        "2 * 3 + 4 * 5        | 0 | 26",
        "10 - 2 * 3           | 0 | 4",
        "-5 + 10              | 0 | 5",
        "-(2 - 5)             | 0 | 3",
        "--7                  | 0 | 7",
        "+7                   | 0 | 7",
        "2 * -3 + 10          | 0 | 4",
        "-retried * -100      | 3 | 300",
        "1.5 * 1000           | 0 | 1500",
        "0.25 * 1000          | 0 | 250",
        ".5 * 1000            | 0 | 500",
        "7 / 2                | 0 | 3",
        "retried              | 5 | 5",
        "retried * retried    | 4 | 16",
        "min(5, 3)            | 0 | 3",
        "max(5, 3)            | 0 | 5",
        "min(9, 4, 7, 6)      | 0 | 4",
        "max(1, 8, 3)         | 0 | 8",
        "min(1000 * retried, 2500) | 5 | 2500",
        "floor(2.7)           | 0 | 2",
        "ceil(2.1)            | 0 | 3",
        "round(2.5)           | 0 | 3",
        "round(2.4)           | 0 | 2",
        "abs(-42)             | 0 | 42",
        "sqrt(16)             | 0 | 4",
        "sqrt(2) * 1000       | 0 | 1414",
        "exp(0)               | 0 | 1",
        "floor(exp(1) * 1000) | 0 | 2718",
        "pow(3, 2)            | 0 | 9",
        "pow(2, -1) * 1000    | 0 | 500",
        "max(1000, pow(2, retried) * 100) | 4 | 1600",
        "  1000*(1+retried)   | 1 | 2000",
        "((((1))))            | 0 | 1",
    })
    void evaluates(String src, int retried, long expected) {
        assertEquals(expected, eval(src, retried));
    }

    @Test
    void roundIsHalfAwayFromZero() {
        assertEquals(-3.0, RetryDelayExpression.roundHalfAwayFromZero(-2.5));
        assertEquals(3.0, RetryDelayExpression.roundHalfAwayFromZero(2.5));
        assertEquals(0.0, RetryDelayExpression.roundHalfAwayFromZero(0.49999999999999994));
        assertEquals(5, eval("abs(round(-5.4))", 0));
    }

    @Test
    void negativeAndNanGiveZero() {
        assertEquals(0, eval("-1000", 0));
        assertEquals(0, eval("1000 - 2000 * retried", 3));
        assertEquals(0, eval("sqrt(-1)", 0));
        assertEquals(0, eval("0 / 0", 0));
    }

    @Test
    void hugeAndInfiniteSaturate() {
        assertEquals(Long.MAX_VALUE, eval("1 / 0", 0));
        assertEquals(Long.MAX_VALUE, eval("pow(10, 30)", 0));
        assertEquals(Long.MAX_VALUE, eval("exp(retried)", 10000));
        assertEquals(Long.MAX_VALUE, eval("pow(2, retried) * 1000", 5000));
    }

    @Test
    void compiledExpressionIsReusable() {
        RetryDelayExpression e = RetryDelayExpression.parse("pow(2, retried) * 1000");
        for (int r = 0; r < 20; r++) {
            assertEquals((long) Math.pow(2, r) * 1000, e.delayMillis(r));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "   ", "1000 +", "foo(1)", "retried(", "retried(1)", ")", "(1", "1)", "1 2", "foo",
        "retry", "pow(2)", "pow(1,2,3)", "sqrt()", "sqrt(1, 2)", "min(1)", "max()", "1 ** 2", "2 ^ 3",
        "1,2", "*3", "1..2", "1.2.3", "1e3", "2retried", ".", "abs", "min(1,)", "(,)", "1 % 2",
        "exp 1", "# comment", "1000; 1", "Retried", "pow(2,, 3)", "()", "\u0000",
    })
    void rejectsBadInput(String src) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse(src));
        assertTrue(e.getMessage().startsWith("invalid retry delay expression: "), e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse(null));
    }

    @Test
    void errorMessagesPointAtTheProblem() {
        assertEquals("invalid retry delay expression: unexpected ')' at 7",
                assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("1000 + )")).getMessage());
        assertEquals("invalid retry delay expression: unexpected end of expression",
                assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("1000 +")).getMessage());
        assertEquals("invalid retry delay expression: unknown function 'foo' at 0",
                assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("foo(1)")).getMessage());
        assertEquals("invalid retry delay expression: unknown identifier 'x' at 4",
                assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("1 + x")).getMessage());
        assertEquals("invalid retry delay expression: missing ')' at end of expression",
                assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("(1 + 2")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("retried("))
                .getMessage().contains("not a function"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("pow(2)"))
                .getMessage().contains("pow takes 2 arguments, got 1"));
    }

    @Test
    void lengthLimit() {
        String ok = "1" + " ".repeat(RetryDelayExpression.MAX_LENGTH - 1);
        assertEquals(1, eval(ok, 0));
        String tooLong = "1" + " ".repeat(RetryDelayExpression.MAX_LENGTH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse(tooLong));
        assertTrue(e.getMessage().contains("longer than 512"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("1+".repeat(300) + "1"));
    }

    @Test
    void nestingLimit() {
        int max = RetryDelayExpression.MAX_DEPTH;
        assertEquals(1, eval("(".repeat(max) + "1" + ")".repeat(max), 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetryDelayExpression.parse("(".repeat(max + 1) + "1" + ")".repeat(max + 1)));
        assertTrue(e.getMessage().contains("nesting deeper than 64"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> RetryDelayExpression.parse("abs(".repeat(max + 1) + "1" + ")".repeat(max + 1)));
        assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("-".repeat(max + 1) + "1"));
        assertEquals(1, eval("-".repeat(max) + "1", 0));
        // Unbalanced deep input must fail cleanly, not with StackOverflowError.
        assertThrows(IllegalArgumentException.class, () -> RetryDelayExpression.parse("(".repeat(500)));
    }

    @Test
    void longFlatExpressionEvaluates() {
        String src = "1" + "+1".repeat(250);
        assertEquals(251, eval(src, 0));
    }
}
