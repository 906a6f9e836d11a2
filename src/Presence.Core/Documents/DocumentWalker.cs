using System.Xml;

namespace Presence.Core.Documents;

/// <summary>
/// A single forward pass over a document from its root to its end, knowing for each element the scope of its
/// parent. A stack of scopes instead of recursion: nesting depth costs memory, never the call stack. Reading on to
/// the end is what makes the XmlReader check the whole document is well-formed.
/// </summary>
internal abstract class DocumentWalker<TScope>
    where TScope : struct, Enum
{
    /// <summary>What a handler did with the element under the reader.</summary>
    protected enum Step
    {
        /// <summary>The element was entered: its children follow, under the scope it pushed.</summary>
        Entered,

        /// <summary>The element was read or skipped whole: the reader already stands on the next node.</summary>
        Consumed,

        /// <summary>The document is unusable; the reason was given to <see cref="Fail"/>.</summary>
        Failed,
    }

    private readonly Stack<TScope> _scopes = new();
    private string _error = string.Empty;

    protected DocumentWalker(XmlReader reader) => Reader = reader;

    protected XmlReader Reader { get; }

    /// <summary>Checks the root element's name, namespace and (non-blank) entity attribute.</summary>
    /// <param name="expected">How the reason names the expected root, e.g. "PIDF presence".</param>
    protected static bool TryCheckRoot(XmlReader reader, string localName, string ns, string expected, out string error)
    {
        if (reader.LocalName != localName || reader.NamespaceURI != ns)
        {
            error = $"root element is not {expected}";
            return false;
        }
        if (string.IsNullOrWhiteSpace(reader.GetAttribute("entity")))
        {
            error = $"{localName} has no entity";
            return false;
        }
        error = string.Empty;
        return true;
    }

    /// <summary>Walks from the root element (under the reader) to the end of the document.</summary>
    protected bool TryWalk(TScope root, out string error)
    {
        Enter(root);
        Reader.Read();
        while (!Reader.EOF)
        {
            if (Reader.NodeType == XmlNodeType.Element)
            {
                Step step = ReadElement(_scopes.Peek());
                if (step == Step.Failed)
                {
                    error = _error;
                    return false;
                }
                if (step == Step.Consumed)
                    continue;
            }
            else if (Reader.NodeType == XmlNodeType.EndElement)
            {
                _scopes.Pop();
            }
            XmlInput.Read(Reader);
        }
        error = string.Empty;
        return true;
    }

    /// <summary>Handles the start tag under the reader, whose parent has the scope <paramref name="parent"/>.</summary>
    protected abstract Step ReadElement(TScope parent);

    /// <summary>An empty element has no end tag to pop its scope, so it is not pushed.</summary>
    protected Step Enter(TScope scope)
    {
        if (!Reader.IsEmptyElement)
            _scopes.Push(scope);
        return Step.Entered;
    }

    protected Step Skip()
    {
        XmlInput.Skip(Reader);
        return Step.Consumed;
    }

    /// <summary>The trimmed text of the element under the reader (see <see cref="XmlInput.ReadText"/>).</summary>
    protected string ReadTrimmedText() => XmlInput.ReadText(Reader).Trim();

    protected Step Fail(string error)
    {
        _error = error;
        return Step.Failed;
    }
}
