package dev.courier.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderCodecTest {

  private static Map<String, List<String>> sample() {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Content-Type", List.of("application/json"));
    h.put("X-Multi", List.of("v1", "v2"));
    h.put("X-List", List.of("a, b, c"));
    h.put("X-Colon", List.of("a:b", "http://host:80/x"));
    h.put("X-Empty", List.of(""));
    h.put("X-Spaces", List.of(" padded "));
    return h;
  }

  @Test
  void roundTripsRepeatedNamesCommasAndColons() {
    Map<String, List<String>> h = sample();
    Map<String, List<String>> back = HeaderCodec.decode(HeaderCodec.encode(h));
    assertEquals(h, back);
    assertEquals(new ArrayList<>(h.keySet()), new ArrayList<>(back.keySet()));
  }

  @Test
  void encodingIsOneLinePerValue() {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("X-Multi", List.of("v1", "v2"));
    h.put("X-Colon", List.of("a:b"));
    assertEquals("X-Multi:v1\nX-Multi:v2\nX-Colon:a:b\n", HeaderCodec.encode(h));
  }

  @Test
  void decodeSplitsOnFirstColonAndToleratesMissingFinalNewline() {
    assertEquals(Map.of("X", List.of("a:b:c")), HeaderCodec.decode("X:a:b:c"));
  }

  @Test
  void forEachVisitsInStoredOrder() {
    List<String> seen = new ArrayList<>();
    HeaderCodec.forEach("B:2\nA:1\nB:3\n", (k, v) -> seen.add(k + "=" + v));
    assertEquals(List.of("B=2", "A=1", "B=3"), seen);
  }

  @Test
  void toJsonHasGoHeaderShape() {
    JsonObject json = HeaderCodec.toJson(HeaderCodec.encode(sample()));
    assertEquals(new JsonArray().add("v1").add("v2"), json.getJsonArray("X-Multi"));
    assertEquals(new JsonArray().add("a, b, c"), json.getJsonArray("X-List"));
    assertEquals(new JsonArray().add("a:b").add("http://host:80/x"), json.getJsonArray("X-Colon"));
    assertEquals(new JsonArray().add("application/json"), json.getJsonArray("Content-Type"));
    assertEquals(6, json.size());
    assertEquals(new JsonObject("{\"X-Multi\":[\"v1\",\"v2\"]}"),
        HeaderCodec.toJson("X-Multi:v1\nX-Multi:v2\n"));
  }

  @Test
  void emptyAndNullInput() {
    assertEquals("", HeaderCodec.encode(Map.of()));
    assertTrue(HeaderCodec.decode("").isEmpty());
    assertTrue(HeaderCodec.decode(null).isEmpty());
    assertEquals(new JsonObject(), HeaderCodec.toJson(""));
    assertEquals(new JsonObject(), HeaderCodec.toJson(null));
    List<String> seen = new ArrayList<>();
    HeaderCodec.forEach(null, (k, v) -> seen.add(k));
    assertTrue(seen.isEmpty());
  }

  @Test
  void linesWithoutNameAreSkipped() {
    assertEquals(Map.of("A", List.of("1")), HeaderCodec.decode("\n:nameless\nA:1\nnocolon\n"));
  }
}
