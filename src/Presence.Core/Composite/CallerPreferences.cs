using Presence.Core.Model;

namespace Presence.Core.Composite;

/// <summary>
/// What a caller asked for in an INVITE or MESSAGE (RFC 3841): its Accept-Contact and Reject-Contact values as they
/// came, the method, and whether its SDP offers video. Read by <see cref="CallerPreferenceRules"/>.
/// </summary>
public sealed record CallerPreferences(IReadOnlyList<string> AcceptContact, IReadOnlyList<string> RejectContact, string Method, bool OffersVideo)
{
    /// <summary>RFC 3841 §11: "servers SHOULD reject requests with too many rules. A reasonable number is around 20."</summary>
    public const int MaxPredicates = 20;

    /// <summary>True when the caller stated any preference itself (RFC 3841 §7.2.2: otherwise implicit ones apply).</summary>
    public bool IsExplicit => AcceptContact.Count > 0 || RejectContact.Count > 0;
}

/// <summary>One predicate of an Accept-Contact or Reject-Contact value: its feature terms and its flags.</summary>
internal sealed record FeaturePredicate(IReadOnlyList<FeatureTerm> Terms, bool Require, bool Explicit);

/// <summary>One term: a feature tag and the values that satisfy it (a disjunction; a value may be negated).</summary>
internal sealed record FeatureTerm(string Tag, IReadOnlyList<(string Value, bool Negated)> Values);

/// <summary>
/// RFC 3841 §7.2 for a redirect server: which of the user's contacts an INVITE or MESSAGE may go to and in what
/// order, from the callee's q-values, the caller's preferences and what each device said it can do.
/// </summary>
public static class CallerPreferenceRules
{
    /// <summary>The step between q-values given to contacts the preferences put apart within one q (3 decimals on the wire).</summary>
    private const double QStep = 0.001;

    /// <summary>
    /// Orders <paramref name="targets"/> (the callee's contacts, highest q first) for the caller: Reject-Contact drops
    /// the contacts that explicitly match it; Accept-Contact drops those failing a <c>require</c> predicate and scores
    /// the rest (Qa, RFC 3841 §7.2.4); contacts with no feature parameters are immune (Qa 1). The callee's q decides
    /// first; within one q, a contact that said it takes the offered medium (video in the SDP, MESSAGE for a message)
    /// comes before one that said nothing, which comes before one that said no; then the higher Qa. The q-values
    /// returned keep that order (RFC 3841 §7.2.4: a redirect "assigns q-values ... so that the ordering is identical").
    /// Returns an empty list when explicit preferences leave nothing (the caller gets 480); implicit ones never do.
    /// </summary>
    public static IReadOnlyList<ReachableContact> Order(IReadOnlyList<ReachableContact> targets, CallerPreferences preferences)
    {
        if (targets.Count == 0)
            return targets;
        List<FeaturePredicate> accept, reject;
        if (preferences.IsExplicit)
        {
            accept = preferences.AcceptContact.SelectMany(ParseHeaderValues).Take(CallerPreferences.MaxPredicates).ToList();
            reject = preferences.RejectContact.SelectMany(ParseHeaderValues).Take(CallerPreferences.MaxPredicates).ToList();
        }
        else
        {
            // RFC 3841 §7.2.2: the implicit preference is the method, required but not explicit.
            accept = [new FeaturePredicate([new FeatureTerm("sip.methods", [(preferences.Method.ToUpperInvariant(), false)])], Require: true, Explicit: false)];
            reject = [];
        }

        var kept = new List<(ReachableContact Contact, int Index, double Qa, int Media)>();
        for (int i = 0; i < targets.Count; i++)
        {
            ReachableContact contact = targets[i];
            int media = MediaRank(contact.Capabilities, preferences);
            Dictionary<string, HashSet<string>> features = FeatureSet(contact.Capabilities);
            bool immune = features.Count == 0;
            // The device's instance is no capability, but a caller may ask for one device by it (RFC 5627 §5.2).
            if (contact.DeviceId is { } instance)
                features["sip.instance"] = ["<" + instance.Trim('<', '>') + ">"];
            if (immune)
            {
                // Immune: no feature parameters, nothing to judge it by (RFC 3841 §7.2.4).
                kept.Add((contact, i, 1.0, media));
                continue;
            }
            if (reject.Exists(p => p.Terms.Count > 0 && p.Terms.All(t => features.ContainsKey(t.Tag)) && p.Terms.All(t => Matches(t, features))))
                continue;
            double? qa = Score(accept, features);
            if (qa is { } score)
                kept.Add((contact, i, score, media));
        }
        if (kept.Count == 0)
            return preferences.IsExplicit ? [] : targets;

        var ordered = kept
            .OrderByDescending(k => k.Contact.Priority)
            .ThenByDescending(k => k.Media)
            .ThenByDescending(k => k.Qa)
            .ThenBy(k => k.Index)
            .ToList();
        var result = new List<ReachableContact>(ordered.Count);
        double previousQ = double.NaN;
        for (int i = 0; i < ordered.Count; i++)
        {
            var (contact, _, qa, media) = ordered[i];
            double q = contact.Priority;
            if (i > 0 && ordered[i - 1].Contact.Priority == contact.Priority)
            {
                var before = ordered[i - 1];
                q = before.Media == media && before.Qa == qa ? previousQ : Math.Max(QStep, previousQ - QStep);
            }
            previousQ = Math.Round(q, 3);
            result.Add(contact with { Priority = previousQ });
        }
        return result;
    }

    /// <summary>Qa: the average score over the Accept-Contact predicates the contact matches; null when it is dropped.</summary>
    private static double? Score(List<FeaturePredicate> accept, Dictionary<string, HashSet<string>> features)
    {
        if (accept.Count == 0)
            return 1.0;
        double sum = 0;
        int counted = 0;
        foreach (FeaturePredicate predicate in accept)
        {
            if (!predicate.Terms.All(t => Matches(t, features)))
            {
                if (predicate.Require)
                    return null;
                continue;
            }
            double score = predicate.Terms.Count == 0 ? 1.0 : (double)predicate.Terms.Count(t => features.ContainsKey(t.Tag)) / predicate.Terms.Count;
            if (score < 1 && predicate.Explicit)
            {
                if (predicate.Require)
                    return null;
                score = 0;
            }
            sum += score;
            counted++;
        }
        // A contact that matched none of the (non-required) predicates has shown no preference of the caller's.
        return counted == 0 ? 0 : sum / counted;
    }

    /// <summary>A term is satisfied when the contact did not mention its tag, or one of its values holds.</summary>
    private static bool Matches(FeatureTerm term, Dictionary<string, HashSet<string>> features)
    {
        if (!features.TryGetValue(term.Tag, out HashSet<string>? values))
            return true;
        return term.Values.Any(v => v.Negated ? !values.Contains(v.Value) : values.Contains(v.Value));
    }

    /// <summary>2: the device said it takes the offered medium; 1: it said nothing about it; 0: it said it does not.</summary>
    private static int MediaRank(DeviceCapabilities? caps, CallerPreferences preferences)
    {
        bool? can = preferences.Method.Equals("MESSAGE", StringComparison.OrdinalIgnoreCase) ? caps?.Message
            : preferences.OffersVideo ? caps?.Video
            : null;
        return can switch { true => 2, null => 1, false => 0 };
    }

    /// <summary>
    /// The contact's feature set (RFC 3841 §8): its Contact's feature parameters, with what a PUBLISH said laid over
    /// the tags this server models. Tag names decoded ("audio" → "sip.audio", "+x.y" → "x.y"), values uppercased
    /// unless they are strings ("&lt;...&gt;").
    /// </summary>
    internal static Dictionary<string, HashSet<string>> FeatureSet(DeviceCapabilities? caps)
    {
        var set = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (caps is null)
            return set;
        foreach (string feature in caps.Features ?? [])
        {
            var (tag, values) = ParseParameter(feature);
            set[tag] = values.Where(v => !v.Negated).Select(v => v.Value).ToHashSet(StringComparer.Ordinal);
        }
        void Bool(string tag, bool? value)
        {
            if (value is { } v)
                set[tag] = [v ? "TRUE" : "FALSE"];
        }
        Bool("sip.audio", caps.Audio);
        Bool("sip.video", caps.Video);
        Bool("sip.text", caps.Text);
        Bool("sip.automata", caps.Automata);
        if (caps.Mobility is { } mobility)
            set["sip.mobility"] = [mobility.ToUpperInvariant()];
        if (caps.Duplex is { } duplex)
            set["sip.duplex"] = [duplex.ToUpperInvariant()];
        return set;
    }

    /// <summary>
    /// Reads one Accept-Contact or Reject-Contact header value: <c>*;audio;video;require</c>, possibly several values
    /// separated by commas (outside quotes). A value that is not <c>*</c>-led is passed over.
    /// </summary>
    internal static IEnumerable<FeaturePredicate> ParseHeaderValues(string header)
    {
        foreach (string value in Split(header, ','))
        {
            List<string> parts = Split(value, ';').Select(p => p.Trim()).ToList();
            if (parts.Count == 0 || parts[0] != "*")
                continue;
            bool require = false, @explicit = false;
            var terms = new List<FeatureTerm>();
            foreach (string part in parts.Skip(1))
            {
                if (part.Length == 0)
                    continue;
                string name = part.Split('=', 2)[0].Trim();
                if (name.Equals("require", StringComparison.OrdinalIgnoreCase))
                    require = true;
                else if (name.Equals("explicit", StringComparison.OrdinalIgnoreCase))
                    @explicit = true;
                else if (DeviceCapabilities.IsFeatureParameter(name) || name.StartsWith('+'))
                {
                    var (tag, values) = ParseParameter(part);
                    terms.Add(new FeatureTerm(tag, values));
                }
                // Anything else (q, generic parameters) is no feature and plays no part (RFC 3841 §10).
            }
            yield return new FeaturePredicate(terms, require, @explicit);
        }
    }

    /// <summary>RFC 3841 §8: one feature parameter as a tag and its values.</summary>
    private static (string Tag, List<(string Value, bool Negated)> Values) ParseParameter(string parameter)
    {
        var (name, value) = DeviceCapabilities.SplitParameter(parameter);
        string tag = name.StartsWith('+')
            ? name[1..].Replace('!', ':').Replace('\'', '/').ToLowerInvariant()
            : "sip." + name.ToLowerInvariant();
        var values = new List<(string, bool)>();
        if (value is not { } raw)
        {
            values.Add(("TRUE", false));
            return (tag, values);
        }
        if (raw.StartsWith('<') && raw.EndsWith('>'))
        {
            // A string value: compared as it is (RFC 2533 strings are case-sensitive).
            values.Add((raw, false));
            return (tag, values);
        }
        foreach (string item in raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            bool negated = item.StartsWith('!');
            string v = (negated ? item[1..] : item).Trim().ToUpperInvariant();
            values.Add((v, negated));
        }
        return (tag, values);
    }

    /// <summary>Splits on <paramref name="separator"/> outside double quotes and angle brackets.</summary>
    private static List<string> Split(string text, char separator)
    {
        var parts = new List<string>();
        bool quoted = false;
        int depth = 0, start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"' && (i == 0 || text[i - 1] != '\\'))
                quoted = !quoted;
            else if (!quoted && c == '<')
                depth++;
            else if (!quoted && c == '>' && depth > 0)
                depth--;
            else if (!quoted && depth == 0 && c == separator)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }
        parts.Add(text[start..]);
        return parts.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
    }
}
