import { BodyBudget } from './body-budget';

describe('BodyBudget', () => {
  const budget = () => new BodyBudget({ bodyBudgetBytes: 1000, bodyTimeoutMs: 1000 });

  it('lets one holder take a quarter of the budget at most, and the others the rest', () => {
    const bodies = budget();
    expect(bodies.tryTake('10.0.0.1', 250)).toBe('taken');
    expect(bodies.tryTake('10.0.0.1', 1)).toBe('share');
    for (const holder of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) expect(bodies.tryTake(holder, 250)).toBe('taken');
    expect(bodies.tryTake('10.0.0.5', 1)).toBe('busy');
    expect(bodies.bytesHeld).toBe(1000);
  });

  it('gives a holder its share again as its bytes come back', () => {
    const bodies = budget();
    expect(bodies.tryTake('10.0.0.1', 200)).toBe('taken');
    bodies.giveBack('10.0.0.1', 200);
    expect(bodies.tryTake('10.0.0.1', 250)).toBe('taken');
    expect(bodies.bytesHeld).toBe(250);
  });
});
