using System.Diagnostics.Metrics;
using System.Globalization;

namespace Presence.Server.Telemetry;

/// <summary>
/// Aggregates the instruments of one <see cref="Meter"/> for /metrics with a <see cref="MeterListener"/>: counters
/// add up, histograms count into the buckets their instrument advises, observable instruments are read at each
/// collection. A measurement finds its series by comparing attributes in place and updates it with interlocked
/// operations, so recording allocates nothing once a series exists, and takes no lock.
/// </summary>
public sealed class PrometheusCollector : IDisposable
{
    /// <summary>OpenTelemetry's default explicit buckets, for a histogram that advises none.</summary>
    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly Meter _meter;
    private readonly MeterListener _listener;
    private readonly Lock _collect = new();
    private readonly List<InstrumentState> _instruments = [];
    private long _generation;

    public PrometheusCollector(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _meter = meter;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (!ReferenceEquals(instrument.Meter, _meter))
                    return;
                var state = new InstrumentState(this, instrument);
                lock (_instruments)
                    _instruments.Add(state);
                listener.EnableMeasurementEvents(instrument, state);
            },
            MeasurementsCompleted = (instrument, state) =>
            {
                lock (_instruments)
                    _instruments.Remove((InstrumentState)state!);
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and returns every family with its series now, by name.</summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_collect)
        {
            Interlocked.Increment(ref _generation);
            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException)
            {
                // An observable callback threw: its series are left out of this page, the others are served.
            }
            InstrumentState[] instruments;
            lock (_instruments)
                instruments = [.. _instruments];
            return instruments.OrderBy(i => i.Instrument.Name, StringComparer.Ordinal).Select(i => i.Snapshot(_generation)).ToList();
        }
    }

    /// <summary>The Prometheus text of <see cref="Collect"/>.</summary>
    public string Scrape() => PrometheusText.Write(Collect());

    public void Dispose() => _listener.Dispose();

    private sealed class InstrumentState
    {
        private readonly PrometheusCollector _owner;
        private readonly double[]? _bounds;
        private readonly bool _cumulative;
        private Series[] _series = [];

        public InstrumentState(PrometheusCollector owner, Instrument instrument)
        {
            _owner = owner;
            Instrument = instrument;
            Type definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
            Kind = definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>) ? MetricKind.Counter
                : definition == typeof(Histogram<>) ? MetricKind.Histogram
                : MetricKind.Gauge;
            // Counters and up-down counters add what is recorded; observable instruments and gauges report the value now.
            _cumulative = !instrument.IsObservable && (definition == typeof(Counter<>) || definition == typeof(UpDownCounter<>));
            if (Kind == MetricKind.Histogram)
                _bounds = BoundsOf(instrument);
        }

        public Instrument Instrument { get; }

        public MetricKind Kind { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            Series series = Find(tags);
            if (_bounds is { } bounds)
            {
                int bucket = 0;
                while (bucket < bounds.Length && value > bounds[bucket])
                    bucket++;
                Interlocked.Increment(ref series.Buckets![bucket]);
                AddDouble(ref series.Value, value);
            }
            else if (_cumulative)
            {
                AddDouble(ref series.Value, value);
            }
            else
            {
                Volatile.Write(ref series.Value, value);
                Volatile.Write(ref series.Generation, Interlocked.Read(ref _owner._generation));
            }
        }

        public MetricFamily Snapshot(long generation)
        {
            var points = new List<MetricPoint>();
            foreach (var series in Volatile.Read(ref _series))
            {
                // An observable series that did not report at this collection is gone (its source went away).
                if (Instrument.IsObservable && Volatile.Read(ref series.Generation) != generation)
                    continue;
                double value = Volatile.Read(ref series.Value);
                HistogramValue? histogram = null;
                if (_bounds is not null)
                {
                    var counts = new long[series.Buckets!.Length];
                    for (int i = 0; i < counts.Length; i++)
                        counts[i] = Interlocked.Read(ref series.Buckets[i]);
                    histogram = new HistogramValue(_bounds, counts, value);
                }
                points.Add(new MetricPoint(series.Labels, value, histogram));
            }
            return new MetricFamily(Instrument.Name, Instrument.Unit, Instrument.Description, Kind, points);
        }

        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var series in Volatile.Read(ref _series))
            {
                if (series.Matches(tags))
                    return series;
            }
            lock (this)
            {
                foreach (var series in _series)
                {
                    if (series.Matches(tags))
                        return series;
                }
                var created = new Series(tags.ToArray(), _bounds is null ? null : new long[_bounds.Length + 1]);
                Volatile.Write(ref _series, [.. _series, created]);
                return created;
            }
        }

        private static double[] BoundsOf(Instrument instrument)
        {
            IEnumerable<double>? advised = instrument switch
            {
                Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
                Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                _ => null,
            };
            double[] bounds = advised?.ToArray() ?? DefaultBounds;
            return bounds.Length == 0 ? DefaultBounds : bounds;
        }

        private static void AddDouble(ref double target, double value)
        {
            double current = Volatile.Read(ref target);
            while (true)
            {
                double seen = Interlocked.CompareExchange(ref target, current + value, current);
                if (seen.Equals(current))
                    return;
                current = seen;
            }
        }
    }

    private sealed class Series(KeyValuePair<string, object?>[] tags, long[]? buckets)
    {
        public double Value;
        public long Generation;
        public readonly long[]? Buckets = buckets;
        private readonly KeyValuePair<string, object?>[] _tags = tags;

        /// <summary>Labels sorted by name, values as text.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Labels { get; } = tags
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new KeyValuePair<string, string>(t.Key, Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? string.Empty))
            .ToArray();

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != _tags.Length)
                return false;
            for (int i = 0; i < tags.Length; i++)
            {
                // The same call site passes its attributes in the same order: compare in place first.
                if (string.Equals(tags[i].Key, _tags[i].Key, StringComparison.Ordinal))
                {
                    if (!Equals(tags[i].Value, _tags[i].Value))
                        return false;
                    continue;
                }
                if (!Contains(tags[i]))
                    return false;
            }
            return true;
        }

        private bool Contains(KeyValuePair<string, object?> tag)
        {
            foreach (var own in _tags)
            {
                if (string.Equals(own.Key, tag.Key, StringComparison.Ordinal))
                    return Equals(own.Value, tag.Value);
            }
            return false;
        }
    }
}
