import { readFileSync } from 'node:fs';
import { ERROR_CODE_LIST } from '@chat4all/protocol';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RelayMetrics } from '../src/observability/metrics.js';
import { type RunningRelay, startRelay } from './fixtures.js';

const deploy = new URL('../../../deploy/', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('grafana/chat4all-relay.json', deploy), 'utf8')) as Dashboard;
const alerts = parseYaml(readFileSync(new URL('prometheus/chat4all-alerts.yml', deploy), 'utf8')) as AlertRules;

interface Dashboard {
  panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; query?: { query: string } | string }> };
}
interface AlertRules {
  groups: Array<{
    name: string;
    rules: Array<{ alert: string; expr: string; for: string; labels: { severity: string }; annotations: { summary: string } }>;
  }>;
}

/** Labels every series has or may have whatever its metric: the scrape target's, and a histogram bucket's. */
const ALWAYS = new Set(['instance', 'job', 'le']);

/** What one PromQL expression reads: its metrics, the labels it names, and the values it matches `code` against. */
function reads(expression: string): { metrics: string[]; labels: string[]; codes: string[]; errors: string[] } {
  // Grafana's interval variable is not PromQL; `$instance` sits inside a string and parses as it is.
  const source = expression.replaceAll('$__rate_interval', '5m');
  const found = { metrics: [] as string[], labels: [] as string[], codes: [] as string[], errors: [] as string[] };
  const text = (from: number, to: number) => source.slice(from, to);
  parser.parse(source).iterate({
    enter(node) {
      if (node.type.isError) found.errors.push(`${node.from}: ${JSON.stringify(text(node.from, node.to + 10))}`);
      if (node.name === 'VectorSelector') {
        const name = node.node.getChild('Identifier');
        if (name) found.metrics.push(text(name.from, name.to));
      }
      if (node.name === 'LabelName') found.labels.push(text(node.from, node.to));
      if (node.name === 'UnquotedLabelMatcher') {
        const label = node.node.getChild('LabelName');
        const value = node.node.getChild('StringLiteral');
        if (label && value && text(label.from, label.to) === 'code') found.codes.push(...JSON.parse(text(value.from, value.to)).split('|'));
      }
    },
  });
  return found;
}

const expressions = [
  ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr }))),
  ...dashboard.templating.list
    .filter((variable) => typeof variable.query === 'object')
    .map((variable) => ({
      where: `variable ${variable.name}`,
      // label_values(metric, label) is Grafana's: the metric and label it names are checked as a selector and a grouping.
      expr: (variable.query as { query: string }).query.replace(/^label_values\((\w+), (\w+)\)$/, 'count by ($2) ($1)'),
    })),
  ...alerts.groups.flatMap((group) => group.rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr }))),
];

describe('the Grafana dashboard and the Prometheus alert rules in deploy/', () => {
  let relay: RunningRelay;
  /** Series names the running relay serves, each with the labels its metric has. */
  const served = new Map<string, Set<string>>();

  beforeAll(async () => {
    relay = await startRelay();
    const text = await fetch(`${relay.url}/metrics`).then((response) => response.text());
    const labels = new Map(
      new RelayMetrics().registry
        .getMetricsAsArray()
        .map((metric) => [metric.name, (metric as unknown as { labelNames: string[] }).labelNames]),
    );
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm) as IterableIterator<[string, string, string]>) {
      const names =
        type === 'histogram'
          ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
          : type === 'summary'
            ? [name, `${name}_sum`, `${name}_count`]
            : [name];
      for (const series of names) served.set(series, new Set(labels.get(name) ?? []));
    }
  });
  afterAll(() => relay?.close());

  it('read only metrics the relay serves, with labels those metrics have, in PromQL that parses', () => {
    expect(expressions.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const { metrics, labels, errors } = reads(expr);
      if (errors.length > 0) problems.push(`${where}: PromQL does not parse at ${errors.join(', ')}`);
      if (metrics.length === 0) problems.push(`${where}: reads no metric`);
      const allowed = new Set(ALWAYS);
      for (const metric of metrics) {
        const known = served.get(metric);
        if (!known) problems.push(`${where}: ${metric} is not served by GET /metrics`);
        for (const label of known ?? []) allowed.add(label);
      }
      for (const label of labels) if (!allowed.has(label)) problems.push(`${where}: label ${label} is on none of ${metrics.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('find the counters their alerts take a rate of at 0 on a relay that has done nothing yet', async () => {
    const text = await fetch(`${relay.url}/metrics`).then((response) => response.text());
    for (const series of [
      'chat4all_webhook_calls_total{outcome="failed"} 0',
      'chat4all_before_send_calls_total{outcome="fallback"} 0',
      'chat4all_before_send_fallbacks_total{reason="timeout"} 0',
      'chat4all_pushes_failed_total{provider="fcm",reason="unavailable"} 0',
    ])
      expect(text.split('\n')).toContain(series);
  });

  it('match error codes the relay answers with', () => {
    const codes = expressions.flatMap(({ expr }) => reads(expr).codes);
    expect(codes).toContain('INTERNAL');
    expect(codes.filter((code) => !(ERROR_CODE_LIST as string[]).includes(code))).toEqual([]);
  });

  it('cover the SLOs the operations guide names: send p95, error rate, dead-letter growth, channels on hold', () => {
    const rules = alerts.groups.flatMap((group) => group.rules);
    for (const rule of rules) {
      expect(rule, rule.alert).toMatchObject({
        for: expect.stringMatching(/^\d+m$/),
        labels: { severity: expect.stringMatching(/^(page|warn)$/) },
      });
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(0);
    }
    const byMetric = (metric: string) => rules.filter((rule) => reads(rule.expr).metrics.includes(metric)).map((rule) => rule.alert);
    expect(byMetric('chat4all_send_ack_seconds_bucket')).toEqual(['Chat4AllSendLatencyHigh']);
    expect(byMetric('chat4all_errors_total')).toEqual(['Chat4AllInternalErrors', 'Chat4AllErrorRateHigh']);
    expect(byMetric('chat4all_dead_letters')).toEqual(['Chat4AllDeadLettersGrowing']);
    expect(byMetric('chat4all_channel_held')).toEqual(['Chat4AllChannelOnHold']);
    // Every row of the dashboard has panels, and every panel that is not a row queries something.
    expect(dashboard.panels.filter((panel) => panel.type !== 'row' && (panel.targets ?? []).length === 0)).toEqual([]);
  });
});
