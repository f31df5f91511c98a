package dev.courier.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which addresses Courier may send to (the SSRF guard, issue #21): a destination or callback whose address is
 * denied is refused at publish when it is a literal address, and fails at delivery (no retries, into the DLQ)
 * when its name resolves to one, checked on the connection actually made, on every redirect too. Link-local and
 * cloud metadata addresses are always denied: a token holder must not make Courier fetch a machine's
 * credentials. Private and loopback ranges are denied when {@code security.deny-private-networks} is on (the
 * production profile); the default local profile allows them, so a developer can deliver to localhost.
 */
public final class NetworkPolicy {
  /** Link-local (which holds 169.254.169.254, the metadata address of most clouds) and other metadata addresses. */
  static final List<String> ALWAYS_DENIED = List.of("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128",
      "100.100.100.200/32", "0.0.0.0/8", "::/128");
  /** RFC 1918, loopback, carrier-grade NAT, unique local IPv6. */
  static final List<String> PRIVATE = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
      "100.64.0.0/10", "::1/128", "fc00::/7");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private record Network(byte[] prefix, int bits, String text) {
    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((address[i / 8] & mask) != (prefix[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Network> always = new ArrayList<>();
  private final List<Network> denied = new ArrayList<>();
  /**
   * The verdict on the peer addresses met lately ("" = allowed): every attempt checks the address its connection
   * reached, and destinations are few, so a lookup here replaces parsing it and walking the networks each time.
   */
  private final java.util.Map<String, String> peers = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int PEERS_KEPT = 4096;

  /**
   * @param denyPrivate deny the private and loopback ranges too
   * @param extra more networks to deny, as CIDRs ({@code 203.0.113.0/24}, {@code 2001:db8::/32})
   * @throws IllegalArgumentException naming a CIDR that is not one
   */
  public NetworkPolicy(boolean denyPrivate, List<String> extra) {
    ALWAYS_DENIED.forEach(c -> always.add(parse(c)));
    if (denyPrivate) {
      PRIVATE.forEach(c -> denied.add(parse(c)));
    }
    extra.forEach(c -> denied.add(parse(c)));
  }

  /** The default local profile's policy: only the always-denied networks. */
  public static NetworkPolicy local() {
    return new NetworkPolicy(false, List.of());
  }

  private static Network parse(String cidr) {
    String c = cidr.trim();
    int slash = c.indexOf('/');
    String host = slash < 0 ? c : c.substring(0, slash);
    byte[] prefix = literal(host);
    if (prefix == null) {
      throw new IllegalArgumentException("not a network: '" + cidr + "' (expected a CIDR such as 10.0.0.0/8)");
    }
    int bits;
    try {
      bits = slash < 0 ? prefix.length * 8 : Integer.parseInt(c.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a network: '" + cidr + "' (bad prefix length)");
    }
    if (bits < 0 || bits > prefix.length * 8) {
      throw new IllegalArgumentException("not a network: '" + cidr + "' (prefix length out of range)");
    }
    return new Network(prefix, bits, c);
  }

  /**
   * The bytes of a literal IPv4 or IPv6 address (brackets allowed), null for anything else: never a DNS lookup.
   * (An IPv4-mapped IPv6 address comes back as its IPv4 bytes, so it meets the IPv4 networks.)
   */
  public static byte[] literal(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (!IPV4.matcher(h).matches() && h.indexOf(':') < 0) {
      return null;
    }
    int zone = h.indexOf('%');
    if (zone >= 0) {
      h = h.substring(0, zone);
    }
    try {
      // A literal: InetAddress parses it without asking DNS.
      return InetAddress.getByName(h).getAddress();
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  /** Why the address is denied, or null when it may be sent to. */
  public String denial(byte[] address) {
    for (Network n : always) {
      if (n.contains(address)) {
        return "the address is in " + n.text() + " (link-local or cloud metadata, always denied)";
      }
    }
    for (Network n : denied) {
      if (n.contains(address)) {
        return "the address is in " + n.text() + " (denied by security.deny-private-networks or"
            + " security.denied-networks)";
      }
    }
    return null;
  }

  /**
   * Why the peer a connection reached (its address as text) is denied, or null; remembered per address. A name
   * (not an address) is not denied here: it is checked on the connection it leads to.
   */
  public String peerDenial(String hostAddress) {
    String known = peers.get(hostAddress);
    if (known == null) {
      byte[] address = literal(hostAddress);
      String why = address == null ? null : denial(address);
      known = why == null ? "" : why;
      if (peers.size() >= PEERS_KEPT) {
        peers.clear(); // a bound, not an eviction policy: a node talks to few addresses
      }
      peers.put(hostAddress, known);
    }
    return known.isEmpty() ? null : known;
  }

  /** Why a host given as a literal address is denied; null when it is allowed or a name (checked at delivery). */
  public String literalDenial(String host) {
    byte[] address = literal(host);
    return address == null ? null : denial(address);
  }
}
