package dev.courier.api;

/** Header-name canonicalisation with the semantics of Go's textproto.CanonicalMIMEHeaderKey. */
public final class HeaderNames {

    private HeaderNames() {
    }

    /**
     * "x-API-key" → "X-Api-Key". Names holding a byte that is not an RFC 7230 token char (space,
     * colon, non-ASCII…) are returned unchanged, as Go does, so odd names are stored verbatim.
     */
    public static String canonical(String name) {
        if (name == null || name.isEmpty()) {
            return name;
        }
        boolean changed = false;
        boolean upper = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isTokenChar(c)) {
                return name;
            }
            if ((upper && c >= 'a' && c <= 'z') || (!upper && c >= 'A' && c <= 'Z')) {
                changed = true;
            }
            upper = c == '-';
        }
        if (!changed) {
            return name; // already canonical: common case, no allocation
        }
        char[] out = name.toCharArray();
        upper = true;
        for (int i = 0; i < out.length; i++) {
            char c = out[i];
            if (upper && c >= 'a' && c <= 'z') {
                out[i] = (char) (c - ('a' - 'A'));
            } else if (!upper && c >= 'A' && c <= 'Z') {
                out[i] = (char) (c + ('a' - 'A'));
            }
            upper = c == '-';
        }
        return new String(out);
    }

    private static boolean isTokenChar(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
