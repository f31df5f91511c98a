package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BodyBudgetTest {
  @Test
  void reservationsStopAtTheCapacityAndComeBack() {
    BodyBudget budget = new BodyBudget(3000, 2048);
    assertTrue(budget.tryAcquire(2000));
    assertTrue(budget.tryAcquire(1000), "exactly at the capacity");
    assertFalse(budget.tryAcquire(1), "past it");
    assertEquals(3000, budget.used());
    budget.release(2000);
    assertTrue(budget.tryAcquire(1500));
    assertEquals(2500, budget.used());
  }

  @Test
  void aLoneBodyLargerThanTheBudgetStillFits() {
    BodyBudget budget = new BodyBudget(1000, 2048);
    assertTrue(budget.tryAcquire(2048), "nothing else in flight: publishing slows down, never stops");
    assertFalse(budget.tryAcquire(10));
    budget.release(2048);
    assertEquals(0, budget.used());
  }

  @Test
  void zeroMeansAnEighthOfTheHeap() {
    assertEquals(Runtime.getRuntime().maxMemory() / 8, new BodyBudget(0, 2048).capacity());
  }
}
