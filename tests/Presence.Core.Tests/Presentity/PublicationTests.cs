using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>PUBLISH as RFC 3903 §6 says.</summary>
public sealed class PublicationTests
{
    [Fact]
    public void Initial_refresh_modify_and_remove()
    {
        var h = new PresentityHarness();
        h.Register();
        var initial = h.Publish(Pidf.OnThePhone());
        Assert.Equal(200, initial.StatusCode);
        Assert.NotNull(initial.EntityTag);
        Assert.Equal(600, initial.Expires);
        Assert.Equal(ExtendedStatus.Busy, h.Status);

        var refresh = h.Publish(null, ifMatch: initial.EntityTag, expires: 900);
        Assert.Equal(200, refresh.StatusCode);
        Assert.NotEqual(initial.EntityTag, refresh.EntityTag);
        Assert.Equal(ExtendedStatus.Busy, h.Status);

        var modify = h.Publish(Pidf.Basic("open"), ifMatch: refresh.EntityTag);
        Assert.Equal(200, modify.StatusCode);
        Assert.Equal(ExtendedStatus.Available, h.Status);

        var remove = h.Publish(null, ifMatch: modify.EntityTag, expires: 0);
        Assert.Equal(200, remove.StatusCode);
        Assert.Empty(h.User.Publications);
    }

    [Fact]
    public void Unknown_entity_tag_is_412_and_changes_nothing()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.OnThePhone());
        h.Take();
        Assert.Equal(412, h.Publish(null, ifMatch: "nope").StatusCode);
        Assert.Equal(412, h.Publish(Pidf.Basic("open"), ifMatch: "nope").StatusCode);
        Assert.False(h.Take().HasWrites);
        Assert.Equal(ExtendedStatus.Busy, h.Status);
    }

    [Fact]
    public void Malformed_document_is_400_with_a_reason_and_changes_nothing()
    {
        var h = new PresentityHarness();
        h.Register();
        var outcome = h.Publish("<presence><tuple>"u8.ToArray());
        Assert.Equal(400, outcome.StatusCode);
        Assert.StartsWith("Bad Presence Document: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(h.User.Publications);
        Assert.False(h.Take().Notifies.Count > 0);
    }

    [Fact]
    public void Unsupported_media_type_is_415_with_accept()
    {
        var h = new PresentityHarness();
        var outcome = h.Publish("hello"u8.ToArray(), contentType: "text/plain");
        Assert.Equal(415, outcome.StatusCode);
        Assert.Contains("application/pidf+xml", outcome.Accept!);
    }

    [Fact]
    public void Initial_publish_needs_a_body_and_a_nonzero_expiry()
    {
        var h = new PresentityHarness();
        Assert.Equal(400, h.Publish(null).StatusCode);
        Assert.Equal(400, h.Publish(Pidf.Basic("open"), expires: 0).StatusCode);
        Assert.Equal(423, h.Publish(Pidf.Basic("open"), expires: 5).StatusCode);
    }

    [Fact]
    public void Several_devices_are_aggregated_and_expiry_removes_one_source_at_once()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.Basic("open"), expires: 600);
        h.Publish(Pidf.Dialog("confirmed"), expires: 120, contentType: Pidf.DialogInfo);
        Assert.Equal(ExtendedStatus.Busy, h.Status);
        h.Subscribe();
        h.Take();
        h.Advance(TimeSpan.FromSeconds(120));
        var changes = h.Take();
        Assert.Equal("available", PresentityHarness.ExtendedOf(Assert.Single(changes.Notifies)));
        Assert.Single(h.User.Publications);
    }

    [Fact]
    public void Event_dialog_carries_dialog_info_which_drives_ringing_and_busy_and_its_entity_tags_are_its_own()
    {
        var h = new PresentityHarness();
        h.Register();
        var ringing = h.User.Publish(new PublishRequest(null, 600, Pidf.DialogInfo, Pidf.Dialog("early"), EventPackage.Dialog), h.Now);
        Assert.Equal(200, ringing.StatusCode);
        Assert.Equal(ExtendedStatus.Ringing, h.Status);
        var busy = h.User.Publish(new PublishRequest(ringing.EntityTag, 600, Pidf.DialogInfo, Pidf.Dialog("confirmed"), EventPackage.Dialog), h.Now);
        Assert.Equal(200, busy.StatusCode);
        Assert.Equal(ExtendedStatus.Busy, h.Status);

        // A dialog publication's entity-tag names nothing in the presence package, and the other way round (RFC 3903 §4.1).
        Assert.Equal(412, h.Publish(null, ifMatch: busy.EntityTag, expires: 0).StatusCode);
        var presence = h.Publish(Pidf.Basic("open"));
        Assert.Equal(412, h.User.Publish(new PublishRequest(presence.EntityTag, 0, null, null, EventPackage.Dialog), h.Now).StatusCode);

        // A PIDF document is not the dialog package's: 415 with the one type it takes.
        var pidf = h.User.Publish(new PublishRequest(null, 600, Pidf.ContentType, Pidf.Basic("open"), EventPackage.Dialog), h.Now);
        Assert.Equal(415, pidf.StatusCode);
        Assert.Equal(["application/dialog-info+xml"], pidf.Accept);

        // Removed, the call state goes; the stored row keeps its package across a reload.
        Assert.Equal(200, h.User.Publish(new PublishRequest(busy.EntityTag, 0, null, null, EventPackage.Dialog), h.Now).StatusCode);
        Assert.Equal(ExtendedStatus.Available, h.Status);
    }

    [Fact]
    public void A_dialog_publication_is_stored_with_its_package_and_one_written_before_packages_were_kept_is_presence()
    {
        var h = new PresentityHarness();
        h.User.Publish(new PublishRequest(null, 600, Pidf.DialogInfo, Pidf.Dialog("early"), EventPackage.Dialog), h.Now);
        var stored = h.Take().Upserts.Single(u => u.Kind == Presence.Core.Persistence.PresentityItems.PublicationKind);
        var reloaded = Presence.Core.Persistence.PresentityItems.ReadPublication(stored.Payload)!;
        Assert.Equal(EventPackage.Dialog, reloaded.Event);

        string old = "{\"entityTag\":\"e1\",\"expiresAt\":\"2030-01-01T00:00:00+00:00\",\"contentType\":\"application/pidf+xml\","
            + "\"body\":\"" + Convert.ToBase64String(Pidf.Basic("open")) + "\",\"publishedAt\":\"2026-01-01T00:00:00+00:00\"}";
        Assert.Equal(EventPackage.Presence, Presence.Core.Persistence.PresentityItems.ReadPublication(System.Text.Encoding.UTF8.GetBytes(old))!.Event);
    }
}
