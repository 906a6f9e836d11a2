using System.Globalization;

namespace Presence.Core.Documents;

/// <summary>
/// The priority attribute of a PIDF contact (RFC 3863 §4.1.5): a decimal from 0 to 1, like a SIP q-value
/// (RFC 3261 §20.10), where higher is preferred.
/// </summary>
internal static class ContactPriority
{
    /// <summary>
    /// RFC 3863 gives no default for a contact without priority; the middle of the range ranks it below contacts the
    /// user explicitly preferred and above those explicitly demoted.
    /// </summary>
    public const double Default = 0.5;

    /// <summary>Reads a priority written as plain decimal digits ("0.8", "1", ".5"); no sign, exponent or NaN.</summary>
    public static bool TryParse(string text, out double priority)
    {
        const NumberStyles Decimal = NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;
        return double.TryParse(text, Decimal, CultureInfo.InvariantCulture, out priority) && IsInRange(priority);
    }

    public static bool IsInRange(double priority) => priority is >= 0 and <= 1;

    /// <summary>At most three decimals, as the qvalue grammar allows ("1", "0.8", "0.125").</summary>
    public static bool TryFormat(double priority, Span<byte> destination, out int written) =>
        Math.Round(priority, 3).TryFormat(destination, out written, "0.###", CultureInfo.InvariantCulture);
}
