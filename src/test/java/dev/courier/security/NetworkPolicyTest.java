package dev.courier.security;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkPolicyTest {
  private final NetworkPolicy local = NetworkPolicy.local();
  private final NetworkPolicy production = new NetworkPolicy(true, List.of("203.0.113.0/24", "2001:db8::/32"));

  @Test
  void metadataAndLinkLocalAreAlwaysDenied() {
    for (String host : List.of("169.254.169.254", "169.254.0.1", "[fe80::1]", "fd00:ec2::254", "100.100.100.200",
        "::ffff:169.254.169.254", "0.0.0.0")) {
      assertNotNull(local.literalDenial(host), host);
      assertNotNull(production.literalDenial(host), host);
    }
    assertTrue(local.literalDenial("169.254.169.254").contains("169.254.0.0/16"));
  }

  @Test
  void privateAndLoopbackOnlyWhenAsked() {
    for (String host : List.of("127.0.0.1", "10.1.2.3", "172.16.0.9", "172.31.255.255", "192.168.1.1", "[::1]",
        "fd12::1", "100.64.0.1")) {
      assertNull(local.literalDenial(host), host);
      assertNotNull(production.literalDenial(host), host);
    }
    for (String host : List.of("8.8.8.8", "172.32.0.1", "[2606:4700::1111]", "93.184.216.34")) {
      assertNull(production.literalDenial(host), host);
    }
    assertNotNull(production.literalDenial("203.0.113.7"), "an extra network");
    assertNotNull(production.literalDenial("[2001:db8::5]"), "an extra IPv6 network");
  }

  @Test
  void namesAreLeftToTheConnectionCheckAndNeverLookedUp() {
    for (String host : List.of("localhost", "example.com", "metadata.google.internal", "2852039166", "")) {
      assertNull(NetworkPolicy.literal(host), host);
      assertNull(production.literalDenial(host), host);
    }
  }

  @Test
  void aBadNetworkIsRefusedNamingIt() {
    for (String cidr : List.of("10.0.0.0/33", "nope", "10.0.0.0/x", "::/129")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new NetworkPolicy(false, List.of(cidr)));
      assertTrue(e.getMessage().contains(cidr), e.getMessage());
    }
  }
}
