#!/usr/bin/perl
# sip-client.pl - a line-driven SIP user agent for the Presence.Orleans
# integration tests.
#
# It is built on Net::SIP (Debian package libnet-sip-perl): the leg, the
# dispatcher (transactions, retransmissions, response cache) and the endpoint
# (contexts, ACKs, digest authentication) all come from Net::SIP, so the
# server is driven by a SIP stack that is independent of the one under test.
#
# Usage:
#   perl tests/tools/sip-client.pl --server 127.0.0.1:PORT
#        [--local 127.0.0.1:0] [--transport udp|tcp] [--debug LEVEL]
#
# On start it prints "READY <local-ip>:<local-port>". It then reads one
# command per line on stdin and writes one event per line on stdout:
#
#   register <aor> <expires> [<contact>|*|-]
#       -> RESPONSE register <code> contacts=<n>
#   publish <aor> <content-type|-> <body-base64|-> <expires> [<etag>|-] [<event>]
#       (event: presence by default; dialog for RFC 4235 call state)
#       -> RESPONSE publish <code> etag=<etag|-> expires=<n|-> reason=<reason>
#   subscribe <watcher-aor> <presentity-aor> <expires> [<event>]
#       -> RESPONSE subscribe <code> reason=<reason>
#   subscribe-list <watcher-aor> <list-uri> <expires> [eventlist|noeventlist]
#       (RFC 4662: Supported: eventlist unless noeventlist, Accept of
#       multipart/related, application/rlmi+xml and application/pidf+xml)
#       -> RESPONSE subscribe-list <code> reason=<reason> require=<Require|->
#   refresh <watcher-aor> <presentity-aor> <expires>
#       -> RESPONSE refresh <code>
#   notify-answer <code>|none
#       -> RESPONSE notify-answer <code>|none   (none: NOTIFYs stay unanswered)
#   invite <from-aor> <to-aor>
#       -> RESPONSE invite <code> reason=<r> contacts=<uris|-> warning=<w|->
#   message <from-aor> <to-aor> <text-base64|->
#       -> RESPONSE message <code> reason=<r> contacts=<uris|-> warning=<w|->
#   options
#       -> RESPONSE options <code>
#   auth <aor> <username> <password>
#       -> RESPONSE auth ok   (digest credentials used for requests from <aor>)
#   quit
#
# Every NOTIFY received in a subscription dialog is answered (200 unless
# changed by notify-answer) and reported as
#   NOTIFY <presentity-aor> cseq=<n> state=<Subscription-State> extended=<x|->
#          basic=<open|closed|-> note=<base64|-> callid=<Call-ID>
#          dialogs=<state,state...|none|-> version=<n|->  (dialog-info bodies)
# except a resource list notification (multipart/related with an RLMI root,
# RFC 4662 5), taken apart here and reported as
#   LISTNOTIFY <list-uri> cseq=<n> state=<Subscription-State> version=<n>
#          full=<true|false> callid=<Call-ID> errors=<n>
#          resources=<uri>!<state>!<reason|->!<extended|->!<basic|->,...
#   (errors counts what is wrong with the body: a cid without its part, a
#   part without Content-ID, no closing delimiter, a root that is not RLMI)
#
# Commands are executed one after the other: the next command starts once the
# previous one has printed its RESPONSE line. A request without a final
# response within 35 s prints "RESPONSE <cmd> timeout"; a transport failure
# prints "RESPONSE <cmd> error=<text>". Unknown or malformed commands print
# "ERROR <text>". "quit" exits at once; end of stdin exits once the commands
# already read have completed. Diagnostics go to stderr only.

use strict;
use warnings;

###########################################################################
# Endpoint context that reports 3xx redirects to the application.
# Net::SIP::Endpoint::Context follows 302 and 305 by itself (it re-sends the
# request to the Contact); the tests need to see the redirect instead. The
# transaction bookkeeping and the ACK for a final response to INVITE are done
# exactly as Net::SIP does them for other final responses.
###########################################################################
package SipClient::Context;
use base 'Net::SIP::Endpoint::Context';
use Errno qw(EFAULT);
use Net::SIP::Util qw(invoke_callback);

sub handle_response {
    my ($self, $response, $leg, $from, $endpoint) = @_;
    my $code = $response->code;
    return $self->SUPER::handle_response($response, $leg, $from, $endpoint)
	if $code != 302 && $code != 305;

    my $tid = $response->tid;
    my $method = $response->method;
    my ($tr) = grep {
	$_->{tid} eq $tid && $_->{request}->method eq $method
    } @{ $self->{_transactions} };
    return if !$tr;    # no such pending transaction: drop, like Net::SIP
    $self->{_transactions} = [ grep { $_ != $tr } @{ $self->{_transactions} } ];
    return if !$leg->check_via($response);

    if ($method eq 'INVITE') {
	# RFC 3261 17.1.1.3: ACK for a non-2xx final response
	my $ack = $tr->{request}->create_ack($response);
	$endpoint->new_request($ack, $self, undef, undef, leg => $leg);
    }
    $endpoint->close_context($self) if $self->{method} ne 'INVITE';
    invoke_callback($tr->{callback}, $endpoint, $self, EFAULT, $code,
	$response, $leg, $from);
    return;
}

###########################################################################
# Endpoint that creates its outgoing contexts as SipClient::Context.
###########################################################################
package SipClient::Endpoint;
use base 'Net::SIP::Endpoint';

sub new_request {
    my ($self, $method, $ctx, @rest) = @_;
    if (!UNIVERSAL::isa($ctx, 'Net::SIP::Endpoint::Context')) {
	$ctx = SipClient::Context->new(%$ctx,
	    method => ref($method) ? $method->method : $method);
	$self->{ctx}{ $ctx->callid } = $ctx;
    }
    return $self->SUPER::new_request($method, $ctx, @rest);
}

###########################################################################
# The tool
###########################################################################
package main;

use Getopt::Long qw(GetOptions);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64 decode_base64);
use Encode ();
use Errno qw(ETIMEDOUT EAGAIN EINTR);
use Net::SIP::Debug ();
use Net::SIP::Dispatcher;
use Net::SIP::Dispatcher::Eventloop;
use Net::SIP::Leg;
use Net::SIP::SDP;
use Net::SIP::Util qw(sip_hdrval2parts sip_uri2parts sip_uri2sockinfo);

use constant REQUEST_TIMEOUT => 35;
use constant PIDF_EXT_NS => 'urn:presence-orleans:params:xml:ns:pidf-ext';

$| = 1;
binmode(STDOUT);

my ($opt_server, $opt_local, $opt_transport, $opt_debug) =
    (undef, '127.0.0.1:0', 'udp', 0);
GetOptions(
    'server=s'    => \$opt_server,
    'local=s'     => \$opt_local,
    'transport=s' => \$opt_transport,
    'debug=i'     => \$opt_debug,
) or usage();
usage() if !$opt_server || @ARGV;
$opt_transport = lc $opt_transport;
usage() if $opt_transport ne 'udp' && $opt_transport ne 'tcp';
Net::SIP::Debug->level($opt_debug) if $opt_debug;

sub usage {
    print STDERR "usage: $0 --server IP:PORT [--local IP:PORT]"
	. " [--transport udp|tcp] [--debug LEVEL]\n";
    exit 2;
}

my ($server_ip, $server_port) = $opt_server =~ m{^\[?([^\]]+?)\]?:(\d+)$}
    or die "--server must be IP:PORT\n";
my ($local_ip, $local_port) = $opt_local =~ m{^\[?([^\]]+?)\]?(?::(\d+))?$}
    or die "--local must be IP[:PORT]\n";
$local_port ||= 0;

# Bind the socket ourselves: given port 0, Net::SIP::Leg would try 5060 first.
my $sock = IO::Socket::INET->new(
    Proto     => $opt_transport,
    LocalAddr => $local_ip,
    LocalPort => $local_port,
    ($opt_transport eq 'tcp' ? (Listen => 100, ReuseAddr => 1) : ()),
) or die "cannot bind $opt_transport $local_ip:$local_port: $!\n";
$local_port = $sock->sockport;
$local_ip = $sock->sockhost;

my $loop = Net::SIP::Dispatcher::Eventloop->new;
my $leg = Net::SIP::Leg->new(sock => $sock, proto => $opt_transport);
my $server_uri = "sip:$server_ip:$server_port"
    . ($opt_transport eq 'tcp' ? ';transport=tcp' : '');
# Requests outside a dialog go to the server whatever their Request-URI says
# (the ACK for a non-2xx final response too, as RFC 3261 17.1.1.3 wants).
my $disp = Net::SIP::Dispatcher->new([$leg], $loop,
    outgoing_proxy => $server_uri);
my $ep = SipClient::Endpoint->new($disp);
$ep->set_application(\&on_new_request);

my $notify_code = 200;
my %auth;        # aor => [ user, password ]
my %subs;        # "watcher presentity" => subscription
my %sub_by_callid;
my @queue;       # command lines waiting to run
my $current;     # the command in progress
my $stdin_eof = 0;
my $stdin_buf = '';

emit("READY $local_ip:$local_port");
$loop->addFD(\*STDIN, 0, \&read_stdin, 'stdin');
$loop->loop;
exit 0;

###########################################################################
# output and command queue
###########################################################################
sub emit {
    my $line = shift;
    print STDOUT "$line\n";
}

sub debug {
    print STDERR "sip-client: @_\n";
}

sub read_stdin {
    my $n = sysread(STDIN, $stdin_buf, 65536, length $stdin_buf);
    if (!defined $n) {
	return if $! == EAGAIN || $! == EINTR;
	$n = 0;
    }
    if (!$n) {
	$stdin_eof = 1;
	$loop->delFD(\*STDIN);
	$stdin_buf .= "\n" if length $stdin_buf;
    }
    while ($stdin_buf =~ s{^([^\n]*)\n}{}) {
	my $line = $1;
	$line =~ s{\r$}{};
	$line =~ s{^\s+|\s+$}{}g;
	next if $line eq '';
	if ($line eq 'quit') {
	    exit 0;
	}
	push @queue, $line;
    }
    pump();
}

sub pump {
    while (!$current && @queue) {
	run_command(shift @queue);
    }
    exit 0 if $stdin_eof && !$current && !@queue;
}

# start a command that sends a request; the sender returns the context
sub start_request {
    my ($name, $send) = @_;
    my $cmd = $current = { name => $name, done => 0 };
    $cmd->{timer} = $loop->add_timer(REQUEST_TIMEOUT, sub {
	finish($cmd, "RESPONSE $name timeout");
	$ep->close_context($cmd->{ctx}) if $cmd->{ctx};
    });
    my $ok = eval { $cmd->{ctx} = $send->($cmd); 1 };
    if (!$ok) {
	my $err = $@;
	$err =~ s{\s+}{ }g;
	$err =~ s{ $}{};
	finish($cmd, "ERROR $name: $err");
    }
}

sub finish {
    my ($cmd, $line) = @_;
    return if $cmd->{done};
    $cmd->{done} = 1;
    $cmd->{timer}->cancel if $cmd->{timer};
    emit($line);
    if ($current && $current == $cmd) {
	$current = undef;
	# run the next command outside of Net::SIP's callback
	$loop->add_timer(0, \&pump);
    }
}

# Callback for the responses of one request. Net::SIP also calls it for
# requests arriving in the same context before the final response (e.g. the
# first NOTIFY overtaking the 200 of its SUBSCRIBE).
sub response_cb {
    my ($cmd, $on_final) = @_;
    return sub {
	my ($endpoint, $ctx, $errno, $code, $packet, $leg, $from) = @_;
	if ($packet && $packet->is_request) {
	    return on_new_request($endpoint, $ctx, $packet, $leg, $from);
	}
	if (!$code) {
	    # delivery failed (no response at all, or transport error)
	    my $what = $errno && $errno == ETIMEDOUT ? 'timeout'
		: 'error=' . underscore(errno_text($errno));
	    $ep->close_context($ctx) if $ctx;
	    return finish($cmd, "RESPONSE $cmd->{name} $what");
	}
	return if $code < 200;
	my $line = $on_final->($packet, $ctx);
	finish($cmd, $line) if defined $line;
    };
}

###########################################################################
# commands
###########################################################################
sub run_command {
    my $line = shift;
    my ($cmd, @a) = split m{ +}, $line;
    my %handler = (
	'register'      => [ \&cmd_register, 2, 3 ],
	'publish'       => [ \&cmd_publish, 4, 6 ],
	'subscribe'     => [ \&cmd_subscribe, 3, 4 ],
	'subscribe-list' => [ \&cmd_subscribe_list, 3, 4 ],
	'refresh'       => [ \&cmd_refresh, 3, 3 ],
	'notify-answer' => [ \&cmd_notify_answer, 1, 1 ],
	'invite'        => [ \&cmd_invite, 2, 2 ],
	'message'       => [ \&cmd_message, 3, 3 ],
	'options'       => [ \&cmd_options, 0, 0 ],
	'auth'          => [ \&cmd_auth, 3, 3 ],
    );
    my $h = $handler{$cmd} or return emit("ERROR unknown command '$cmd'");
    my ($sub, $min, $max) = @$h;
    return emit("ERROR $cmd expects $min"
	. ($max > $min ? "-$max" : '') . " arguments, got " . scalar(@a))
	if @a < $min || @a > $max;
    $sub->($cmd, @a);
}

sub cmd_register {
    my ($name, $aor, $expires, $contact_arg) = @_;
    return emit("ERROR register: bad expires '$expires'") if $expires !~ m{^\d+$};
    my ($domain) = sip_uri2parts($aor)
	or return emit("ERROR register: bad AOR '$aor'");
    my $contact = !defined $contact_arg ? local_contact($aor)
	: $contact_arg eq '-' ? undef
	: $contact_arg eq '*' ? '*'
	: "<$contact_arg>";
    start_request($name, sub {
	my $cmd = shift;
	return $ep->register(
	    registrar => "sip:$domain",
	    from      => "<$aor>",
	    contact   => $contact,
	    expires   => $expires,
	    auth      => $auth{$aor},
	    callback  => response_cb($cmd, sub {
		my $r = shift;
		my @c = $r->get_header('contact');
		return "RESPONSE register " . $r->code . " contacts=" . scalar(@c);
	    }),
	);
    });
}

sub cmd_publish {
    my ($name, $aor, $ctype, $body64, $expires, $etag, $event) = @_;
    return emit("ERROR publish: bad expires '$expires'") if $expires !~ m{^\d+$};
    $etag = undef if defined $etag && $etag eq '-';
    $event ||= 'presence';
    my $body = $body64 eq '-' ? '' : decode_base64($body64);
    # RFC 3903: a refresh carries no body, and then no Content-Type either
    $ctype = undef if $ctype eq '-' || $body eq '';
    start_request($name, sub {
	my $cmd = shift;
	return $ep->new_request('PUBLISH',
	    { from => "<$aor>", to => "<$aor>", auth => $auth{$aor} },
	    response_cb($cmd, sub {
		my $r = shift;
		my $etag = $r->get_header('sip-etag');
		my $exp = $r->get_header('expires');
		return "RESPONSE publish " . $r->code
		    . " etag=" . (defined $etag && $etag ne '' ? $etag : '-')
		    . " expires=" . (defined $exp && $exp ne '' ? $exp : '-')
		    . " reason=" . underscore($r->msg);
	    }),
	    $body,
	    uri => $aor,
	    event => $event,
	    'content-type' => $ctype,
	    expires => $expires,
	    'sip-if-match' => $etag,
	);
    });
}

sub cmd_subscribe {
    my ($name, $watcher, $presentity, $expires, $event) = @_;
    return emit("ERROR subscribe: bad expires '$expires'") if $expires !~ m{^\d+$};
    $event ||= 'presence';
    my $accept = $event eq 'presence.winfo' ? 'application/watcherinfo+xml'
	: $event eq 'dialog' ? 'application/dialog-info+xml' : 'application/pidf+xml';
    my $contact = local_contact($watcher);
    start_request($name, sub {
	my $cmd = shift;
	my $sub = {
	    watcher => $watcher, presentity => $presentity, event => $event,
	    contact => $contact, established => 0, route => [],
	};
	my $ctx = $ep->new_request('SUBSCRIBE',
	    { from => "<$watcher>", to => "<$presentity>", contact => $contact,
	      auth => $auth{$watcher} },
	    response_cb($cmd, sub {
		my ($r, $ctx) = @_;
		$sub->{cseq} = $ctx->{cseq};
		dialog_from_response($sub, $r) if $r->code =~ m{^2};
		return "RESPONSE subscribe " . $r->code
		    . " reason=" . underscore($r->msg);
	    }),
	    undef,
	    uri => $presentity,
	    event => $event,
	    accept => $accept,
	    expires => $expires,
	);
	$sub->{callid} = $ctx->callid;
	$sub->{from} = $ctx->{from};    # with our tag
	$sub->{local_tag} = $ctx->{local_tag};
	$sub->{cseq} = $ctx->{cseq};
	$sub->{last_notify_cseq} = undef;
	$subs{"$watcher $presentity"} = $sub;
	$sub_by_callid{ $sub->{callid} } = $sub;
	return $ctx;
    });
}

sub cmd_subscribe_list {
    my ($name, $watcher, $list, $expires, $flag) = @_;
    return emit("ERROR subscribe-list: bad expires '$expires'") if $expires !~ m{^\d+$};
    my $eventlist = !defined $flag || $flag ne 'noeventlist';
    my $contact = local_contact($watcher);
    start_request($name, sub {
	my $cmd = shift;
	my $sub = {
	    watcher => $watcher, presentity => $list, event => 'presence',
	    contact => $contact, established => 0, route => [],
	};
	my $ctx = $ep->new_request('SUBSCRIBE',
	    { from => "<$watcher>", to => "<$list>", contact => $contact,
	      auth => $auth{$watcher} },
	    response_cb($cmd, sub {
		my ($r, $ctx) = @_;
		$sub->{cseq} = $ctx->{cseq};
		dialog_from_response($sub, $r) if $r->code =~ m{^2};
		my $require = join(',', $r->get_header('require'));
		return "RESPONSE subscribe-list " . $r->code
		    . " reason=" . underscore($r->msg)
		    . " require=" . underscore($require);
	    }),
	    undef,
	    uri => $list,
	    event => 'presence',
	    accept => 'multipart/related, application/rlmi+xml, application/pidf+xml',
	    expires => $expires,
	    $eventlist ? (supported => 'eventlist') : (),
	);
	$sub->{callid} = $ctx->callid;
	$sub->{from} = $ctx->{from};
	$sub->{local_tag} = $ctx->{local_tag};
	$sub->{cseq} = $ctx->{cseq};
	$sub->{last_notify_cseq} = undef;
	$subs{"$watcher $list"} = $sub;
	$sub_by_callid{ $sub->{callid} } = $sub;
	return $ctx;
    });
}

sub cmd_refresh {
    my ($name, $watcher, $presentity, $expires) = @_;
    return emit("ERROR refresh: bad expires '$expires'") if $expires !~ m{^\d+$};
    my $sub = $subs{"$watcher $presentity"}
	or return emit("ERROR refresh: no subscription of $watcher to $presentity");
    return emit("ERROR refresh: subscription of $watcher to $presentity has no dialog")
	if !$sub->{established};
    start_request($name, sub {
	my $cmd = shift;
	my @route = @{ $sub->{route} };
	my $dst = in_dialog_destination($sub);
	my $ctx = $ep->new_request('SUBSCRIBE',
	    {
		callid  => $sub->{callid},
		from    => $sub->{from},
		to      => $sub->{to},
		cseq    => $sub->{cseq},
		contact => $sub->{contact},
		auth    => $auth{$watcher},
		$sub->{target} ? (remote_contact => $sub->{target}) : (),
		@route ? (route => \@route) : (),
	    },
	    response_cb($cmd, sub {
		my ($r, $ctx) = @_;
		$sub->{cseq} = $ctx->{cseq} if $ctx->{cseq} > $sub->{cseq};
		if ($r->code =~ m{^2} and my $c = first_contact_uri($r)) {
		    $sub->{target} = $c;
		}
		return "RESPONSE refresh " . $r->code;
	    }),
	    undef,
	    event => $sub->{event},
	    accept => $sub->{event} eq 'presence.winfo'
		? 'application/watcherinfo+xml' : 'application/pidf+xml',
	    expires => $expires,
	    $dst ? (dst_addr => $dst, leg => $leg) : (),
	);
	$sub->{cseq} = $ctx->{cseq};
	return $ctx;
    });
}

sub cmd_notify_answer {
    my ($name, $code) = @_;
    return emit("ERROR notify-answer: bad code '$code'")
	if $code !~ m{^[2-6]\d\d$} && $code ne 'none';
    $notify_code = $code;
    emit("RESPONSE notify-answer $code");
}

sub cmd_auth {
    my ($name, $aor, $user, $pass) = @_;
    $auth{$aor} = [ $user, $pass ];
    emit("RESPONSE auth ok");
}

sub cmd_invite {
    my ($name, $from, $to) = @_;
    my $sdp = Net::SIP::SDP->new(
	{ addr => $local_ip },
	{ port => 40000, proto => 'RTP/AVP', media => 'audio', fmt => 0,
	  a => 'rtpmap:0 PCMU/8000' },
    );
    start_request($name, sub {
	my $cmd = shift;
	return $ep->new_request('INVITE',
	    { from => "<$from>", to => "<$to>", contact => local_contact($from),
	      auth => $auth{$from} },
	    response_cb($cmd, sub {
		my ($r, $ctx) = @_;
		if ($r->code =~ m{^2}) {
		    # not expected from a presence server: hang up again
		    # once Net::SIP has sent the ACK
		    $loop->add_timer(0.2, sub {
			$ep->new_request('BYE', $ctx,
			    sub { $ep->close_context($ctx) });
		    });
		} else {
		    $ep->close_context($ctx);
		}
		return routing_line('invite', $r);
	    }),
	    $sdp,
	    uri => $to,
	);
    });
}

sub cmd_message {
    my ($name, $from, $to, $text64) = @_;
    my $text = $text64 eq '-' ? '' : decode_base64($text64);
    start_request($name, sub {
	my $cmd = shift;
	return $ep->new_request('MESSAGE',
	    { from => "<$from>", to => "<$to>", auth => $auth{$from} },
	    response_cb($cmd, sub { routing_line('message', $_[0]) }),
	    $text,
	    uri => $to,
	    'content-type' => 'text/plain;charset=UTF-8',
	);
    });
}

sub cmd_options {
    my ($name) = @_;
    start_request($name, sub {
	my $cmd = shift;
	return $ep->new_request('OPTIONS',
	    { from => "<sip:sip-client\@$local_ip:$local_port>",
	      to => "<sip:$server_ip:$server_port>" },
	    response_cb($cmd, sub { "RESPONSE options " . $_[0]->code }),
	    undef,
	    uri => "sip:$server_ip:$server_port",
	    accept => 'application/sdp',
	);
    });
}

###########################################################################
# incoming requests
###########################################################################
sub on_new_request {
    my ($endpoint, $ctx, $request, $leg, $from) = @_;
    my $method = $request->method;
    return if $method eq 'ACK' || $method eq 'BYE' || $method eq 'CANCEL';
    if ($method eq 'NOTIFY') {
	return on_notify($ctx, $request, $leg, $from);
    }
    my $response = $method eq 'OPTIONS'
	? $request->create_response(200, 'OK', {
	    allow => 'NOTIFY, OPTIONS, ACK, BYE, CANCEL',
	    accept => 'application/pidf+xml',
	  })
	: $request->create_response(405, 'Method Not Allowed',
	    { allow => 'NOTIFY, OPTIONS, ACK, BYE, CANCEL' });
    $ep->new_response($ctx, $response, $leg, $from);
}

# RFC 4235: the states of the dialogs of a dialog-info body, comma-separated in
# document order ("none" for a document without dialogs), and its version;
# "-" for both when the body is something else.
sub parse_dialog_info {
    my ($ctype, $body) = @_;
    return ('-', '-') if !defined $ctype || $ctype !~ m{^\s*application/dialog-info\+xml}i
	|| !defined $body || $body eq '';
    my ($version) = $body =~ m{<dialog-info\b[^>]*\bversion="(\d+)"};
    my @states = $body =~ m{<state\b[^>]*>\s*([a-z]+)\s*</state>}g;
    return (@states ? join(',', @states) : 'none', $version // '-');
}

sub on_notify {
    my ($ctx, $request, $leg, $from) = @_;
    my $callid = $request->callid;
    my $sub = $sub_by_callid{$callid};
    if (!$sub) {
	debug("NOTIFY for unknown dialog (Call-ID $callid): answering 481");
	return $ep->new_response($ctx,
	    $request->create_response(481, 'Subscription does not exist'),
	    $leg, $from);
    }

    my ($cseq) = $request->cseq =~ m{^(\d+)};
    my (undef, $to_param) = sip_hdrval2parts(to => scalar $request->get_header('to'));
    my (undef, $from_param) = sip_hdrval2parts(from => scalar $request->get_header('from'));
    if (($to_param->{tag} // '') ne $sub->{local_tag}) {
	debug("NOTIFY Call-ID $callid: To tag '" . ($to_param->{tag} // '')
	    . "' is not our From tag '$sub->{local_tag}'");
    }
    if ($sub->{established} && defined $sub->{remote_tag}
	&& ($from_param->{tag} // '') ne $sub->{remote_tag}) {
	debug("NOTIFY Call-ID $callid: From tag '" . ($from_param->{tag} // '')
	    . "' differs from the dialog's remote tag '$sub->{remote_tag}'");
    }
    if (defined $sub->{last_notify_cseq} && $cseq <= $sub->{last_notify_cseq}) {
	debug("NOTIFY Call-ID $callid: CSeq $cseq not above previous"
	    . " $sub->{last_notify_cseq}");
    }
    $sub->{last_notify_cseq} = $cseq;

    if (!$sub->{established}) {
	# RFC 6665 4.1.2.4: the NOTIFY may create the dialog before the 200
	$sub->{to} = scalar $request->get_header('from');
	$sub->{remote_tag} = $from_param->{tag};
	$sub->{route} = [ $request->get_header('record-route') ];
	$sub->{established} = 1;
    }
    # NOTIFY is a target refresh request
    if (my $c = first_contact_uri($request)) {
	$sub->{target} = $c;
    }

    # 'none': leave the NOTIFY unanswered (a watcher that went away);
    # Net::SIP drops its retransmissions as duplicates of the last request
    $ep->new_response($ctx, $request->create_response($notify_code), $leg, $from)
	if $notify_code ne 'none';

    my $state = $request->get_header('subscription-state');
    $state = defined $state ? $state =~ s{\s+}{}gr : '-';
    $state = '-' if $state eq '';
    my $body = scalar(($request->as_parts)[3]);
    my $ctype = $request->get_header('content-type');
    if (defined $ctype && $ctype =~ m{^\s*multipart/related}i) {
	return emit("LISTNOTIFY $sub->{presentity} cseq=$cseq state=$state callid=$callid "
	    . parse_list_notification($ctype, $body));
    }
    my ($extended, $basic, $note) = parse_pidf($ctype, $body);
    my ($dialogs, $version) = parse_dialog_info($request->get_header('content-type'), $body);
    emit("NOTIFY $sub->{presentity} cseq=$cseq state=$state"
	. " extended=$extended basic=$basic note=$note callid=$callid"
	. " dialogs=$dialogs version=$version");
}

###########################################################################
# helpers
###########################################################################

# Contact for requests from <aor>: the user part of the AOR at our leg
sub local_contact {
    my $aor = shift;
    my (undef, $user) = sip_uri2parts($aor);
    $user = defined $user && $user ne '' ? "$user\@" : '';
    return "<sip:$user$local_ip:$local_port"
	. ($opt_transport eq 'tcp' ? ';transport=tcp' : '') . '>';
}

sub errno_text {
    my $errno = shift or return 'unknown';
    local $! = $errno;
    return "$!";
}

sub underscore {
    my $s = shift;
    return '-' if !defined $s || $s eq '';
    $s =~ s{\s}{_}g;
    return $s;
}

sub contact_uris {
    my $packet = shift;
    my @uris;
    for my $c ($packet->get_header('contact')) {
	if ($c =~ m{<([^>]*)>}) {
	    push @uris, $1;
	} else {
	    (my $u = $c) =~ s{;.*}{};
	    $u =~ s{^\s+|\s+$}{}g;
	    push @uris, $u;
	}
    }
    return @uris;
}

sub first_contact_uri {
    my ($uri) = contact_uris(shift);
    return $uri;
}

# the dialog as learnt from a 2xx to the initial SUBSCRIBE (RFC 3261 12.1.2)
sub dialog_from_response {
    my ($sub, $r) = @_;
    return if $sub->{established};
    my $to = $r->get_header('to');
    my (undef, $param) = sip_hdrval2parts(to => $to);
    $sub->{to} = $to;
    $sub->{remote_tag} = $param->{tag};
    $sub->{route} = [ reverse $r->get_header('record-route') ];
    if (my $c = first_contact_uri($r)) {
	$sub->{target} = $c;
    }
    $sub->{established} = 1;
}

# Where an in-dialog request goes (RFC 3261 8.1.2 / 12.2.1.1): the first
# Route when there is a route set, else the remote target. Only literal IP
# addresses are honoured here; anything else goes to the server.
sub in_dialog_destination {
    my $sub = shift;
    my $uri = @{ $sub->{route} } ? $sub->{route}[0] : $sub->{target};
    return if !$uri;
    $uri = $1 if $uri =~ m{<([^>]*)>};
    my ($proto, $host, $port, $family) = sip_uri2sockinfo($uri) or return;
    return if !$family;
    return if $proto && $proto ne $opt_transport;
    return {
	proto => $opt_transport, host => $host, addr => $host,
	port => $port || 5060, family => $family,
    };
}

sub routing_line {
    my ($what, $r) = @_;
    my @contacts = contact_uris($r);
    my @warnings = $r->get_header('warning');
    return "RESPONSE $what " . $r->code
	. " reason=" . underscore($r->msg)
	. " contacts=" . (@contacts ? join(',', @contacts) : '-')
	. " warning=" . underscore(join(',', @warnings));
}

# A Content-Type parameter, unquoted ('' when absent).
sub content_type_param {
    my ($ctype, $name) = @_;
    return $1 if $ctype =~ m{;\s*\Q$name\E\s*=\s*"([^"]*)"}i;
    return $1 if $ctype =~ m{;\s*\Q$name\E\s*=\s*([^;\s]+)}i;
    return '';
}

# RFC 4662 5 / RFC 2387: the parts of a multipart/related body (split at the
# boundary as RFC 2046 5.1.1 defines it), the root named by start= read as
# RLMI, each active instance's document found through its cid.
sub parse_list_notification {
    my ($ctype, $body) = @_;
    my $errors = 0;
    my $boundary = content_type_param($ctype, 'boundary');
    my $start = content_type_param($ctype, 'start');
    $start =~ s{^<|>$}{}g;
    $errors++ if lc content_type_param($ctype, 'type') ne 'application/rlmi+xml';
    my $delim = "--$boundary";
    my @pieces = split m{(?:^|\r\n)\Q$delim\E}, $body, -1;
    shift @pieces;    # the preamble
    $errors++ if !@pieces || $pieces[-1] !~ m{^--};
    pop @pieces if @pieces && $pieces[-1] =~ m{^--};
    my %parts;
    for my $piece (@pieces) {
	$piece =~ s{^[ \t]*\r\n}{} or $errors++;
	my ($head, $content) = split m{\r\n\r\n}, $piece, 2;
	$content //= '';
	my ($id, $type) = ('', '');
	for my $line (split m{\r\n}, $head) {
	    $id = $1 if $line =~ m{^Content-ID\s*:\s*(.*?)\s*$}i;
	    $type = $1 if $line =~ m{^Content-Type\s*:\s*(.*?)\s*$}i;
	}
	$id =~ s{^<|>$}{}g;
	if ($id eq '') { $errors++; next }
	$parts{$id} = [ $type, $content ];
    }
    my $root = $parts{$start};
    if (!$root || $root->[0] !~ m{^application/rlmi\+xml}i) {
	return "version=- full=- errors=" . ($errors + 1) . " resources=-";
    }
    my $rlmi = $root->[1];
    my ($list_tag) = $rlmi =~ m{(<list\b[^>]*>)};
    $list_tag //= '';
    my ($version) = $list_tag =~ m{\bversion="(\d+)"};
    my ($full) = $list_tag =~ m{\bfullState="(\w+)"};
    my @resources;
    while ($rlmi =~ m{<resource\b([^>]*?)(/>|>(.*?)</resource>)}sg) {
	my ($attrs, $inner) = ($1, $3 // '');
	my ($uri) = $attrs =~ m{\buri="([^"]*)"};
	my ($inst) = $inner =~ m{<instance\b([^>]*)/?>}s;
	my ($st, $reason, $cid) = ('none', '-', undef);
	if (defined $inst) {
	    ($st) = $inst =~ m{\bstate="([^"]*)"};
	    ($reason) = $inst =~ m{\breason="([^"]*)"};
	    ($cid) = $inst =~ m{\bcid="([^"]*)"};
	    $st //= 'none';
	    $reason //= '-';
	}
	my ($extended, $basic) = ('-', '-');
	if (defined $cid) {
	    if (my $part = $parts{$cid}) {
		$errors++ if $part->[0] !~ m{^application/pidf\+xml}i;
		($extended, $basic) = parse_pidf($part->[0], $part->[1]);
	    } else {
		$errors++;
	    }
	}
	push @resources, join('!', xml_unescape($uri // '-'), $st, $reason, $extended, $basic);
    }
    return "version=" . ($version // '-') . " full=" . ($full // '-')
	. " errors=$errors resources=" . (@resources ? join(',', @resources) : '-');
}

sub xml_unescape {
    my $s = shift;
    $s =~ s{&#x([0-9a-fA-F]+);}{chr(hex $1)}ge;
    $s =~ s{&#(\d+);}{chr($1)}ge;
    my %ent = (lt => '<', gt => '>', quot => '"', apos => "'", amp => '&');
    $s =~ s{&(lt|gt|quot|apos|amp);}{$ent{$1}}g;
    return $s;
}

# (extended, basic, note-base64) from a PIDF document; '-' when absent
sub parse_pidf {
    my ($ctype, $body) = @_;
    return ('-', '-', '-') if !defined $body || $body eq '';
    my $xml = eval { Encode::decode('UTF-8', $body, Encode::FB_CROAK) } // $body;
    $xml =~ s{<!--.*?-->}{}sg;

    my ($basic, $note, $extended) = ('-', '-', '-');
    if ($xml =~ m{<(?:[\w.-]+:)?basic(?:\s[^>]*)?>\s*(.*?)\s*</(?:[\w.-]+:)?basic\s*>}s) {
	$basic = xml_unescape($1);
    }
    if ($xml =~ m{<((?:[\w.-]+:)?note)(?:\s[^>]*)?>(.*?)</\1\s*>}s) {
	$note = encode_base64(Encode::encode('UTF-8', xml_unescape($2)), '');
	$note = '-' if $note eq '';
    }

    # element 'extended' in the project's namespace, with a prefix bound to
    # it anywhere in the document or with a default namespace declaration
    my $ns = quotemeta(PIDF_EXT_NS);
    my %prefix;
    $prefix{$1} = 1 while $xml =~ m{xmlns:([\w.-]+)\s*=\s*["']$ns["']}g;
    for my $p (keys %prefix) {
	if ($xml =~ m{<\Q$p\E:extended(?:\s[^>]*)?>\s*(.*?)\s*</\Q$p\E:extended\s*>}s) {
	    $extended = xml_unescape($1);
	    last;
	}
    }
    if ($extended eq '-'
	and $xml =~ m{<extended\s[^>]*xmlns\s*=\s*["']$ns["'][^>]*>\s*(.*?)\s*</extended\s*>}s) {
	$extended = xml_unescape($1);
    }
    for ($basic, $extended) {
	$_ = '-' if $_ eq '';
	s{\s+}{_}g;
	$_ = Encode::encode('UTF-8', $_);
    }
    return ($extended, $basic, $note);
}
