package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBpi checks the digits against Perl's own output: bpi(1) to bpi(60)
// and bpi(1000) as Perl 5.36's Math::BigFloat prints them, and bpi(2000)
// as the Kubernetes documentation's pi Job logs it (pi to 2000 significant
// digits, the last rounded).
func TestBpi(t *testing.T) {
	want, err := os.ReadFile("testdata/bpi1-60.txt")
	require.NoError(t, err)
	for i, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		assert.Equal(t, line, bpi(i+1), "bpi(%d)", i+1)
	}
	for _, n := range []string{"1000", "2000"} {
		want, err := os.ReadFile("testdata/bpi" + n + ".txt")
		require.NoError(t, err)
		var stdout, stderr bytes.Buffer
		code := run([]string{"perl", "-Mbignum=bpi", "-wle", "print bpi(" + n + ")"}, strings.NewReader(""), &stdout, &stderr)
		assert.Equal(t, 0, code)
		assert.Empty(t, stderr.String())
		assert.Equal(t, string(want), stdout.String(), "bpi(%s)", n)
	}
	// Every length, rounded from the 2000 digits (no run of 9s there
	// makes a rounding differ).
	ref, err := os.ReadFile("testdata/bpi2000.txt")
	require.NoError(t, err)
	digits := strings.Replace(strings.TrimSpace(string(ref)), ".", "", 1)
	for n := 2; n < 1999; n += 41 {
		want := []byte(digits[:n])
		if digits[n] >= '5' {
			for i := n - 1; ; i-- {
				if want[i] != '9' {
					want[i]++
					break
				}
				want[i] = '0'
			}
		}
		assert.Equal(t, string(want[:1])+"."+string(want[1:]), bpi(n), "bpi(%d)", n)
	}
	assert.True(t, strings.HasSuffix(bpi(2000), "2164201989380952572010654858632788659361533818279682303019520353018529689957736225994138912497217752834791315155748572424541506959508295331168617278558890750983817546374649393192550604009277016711390098488240128583616035637076601047101819429555961989467678374494482553797747268471040475346462080466842590694912933136770289891521047521620569660240580381501935112533824300355876402474964732639141992726042699227967823547816360093417216412199245863150302861829745557067498385054945885869269956909272107975093029553211653449872027559602364806654991198818347977535663698074265425278625518184175746728909777727938000816470600161452491921732172147723501414419735685481613611573525521334757418494684385233239073941433345477624168625189835694855620992192221842725502542568876717904946016534668049886272327917860857843838279679766814541009538837863609506800642251252051173929848960841284886269456042419652850222106611863067442786220391949450471237137869609563643719172874677646575739624138908658326459958133904780275901"))
}

func TestPerl(t *testing.T) {
	for _, tc := range []struct {
		name   string
		argv   []string
		stdin  string
		stdout string
		stderr string // a prefix of stderr
		code   int
	}{
		{name: "the documentation's Job", argv: []string{"perl", "-Mbignum=bpi", "-wle", "print bpi(30)"}, stdout: "3.14159265358979323846264338328\n"},
		{name: "no -l, no newline", argv: []string{"perl", "-Mbignum=bpi", "-e", "print bpi(5)"}, stdout: "3.1416"},
		{name: "a list", argv: []string{"perl", "-Mbignum=bpi", "-le", "print bpi(5), bpi(3)"}, stdout: "3.14163.14\n"},
		{name: "parentheses and spaces", argv: []string{"perl", "-M", "bignum=bpi", "-l", "-e", "print(bpi( 4 ));"}, stdout: "3.142\n"},
		{name: "use in the program", argv: []string{"perl", "-le", "use bignum qw(bpi); print bpi(8)"}, stdout: "3.1415927\n"},
		{name: "bpi(0) is the default accuracy", argv: []string{"perl", "-Mbignum=bpi", "-le", "print bpi(0)"}, stdout: "3.141592653589793238462643383279502884197\n"},
		{name: "Math::BigFloat->bpi", argv: []string{"perl", "-Mbignum=bpi", "-le", "print Math::BigFloat->bpi(12)"}, stdout: "3.14159265359\n"},
		{name: "bigint", argv: []string{"perl", "-Mbigint=bpi", "-le", "print bpi(10)"}, stdout: "3\n"},
		{name: "strings and numbers", argv: []string{"perl", "-le", `print "a\tb", 'c\n', 3.10, 1e3, 7`}, stdout: "a\tbc\\n3.110007\n"},
		{name: "say", argv: []string{"perl", "-E", `say "hello"`}, stdout: "hello\n"},
		{name: "exit", argv: []string{"perl", "-e", `print "x"; exit 3; print "y"`}, stdout: "x", code: 3},
		{name: "a script on stdin", argv: []string{"perl"}, stdin: "use bignum 'bpi';\n# pi\nprint bpi(3), \"\\n\";\n", stdout: "3.14\n"},
		{name: "-c", argv: []string{"perl", "-c", "-e", "print 1"}, stderr: "-e syntax OK\n"},
		{name: "bpi not imported", argv: []string{"perl", "-Mbignum", "-le", "print bpi(10)"}, stderr: "Undefined subroutine &main::bpi called at -e line 1.\n", code: 255},
		{name: "unknown function", argv: []string{"perl", "-e", "foo(1)"}, stderr: "Undefined subroutine &main::foo called at -e line 1.\n", code: 255},
		{name: "negative accuracy", argv: []string{"perl", "-Mbignum=bpi", "-le", "print bpi(-1)"}, stderr: "Argument to accuracy must be greater than zero at -e line 1.\n", code: 255},
		{name: "unknown module", argv: []string{"perl", "-MFoo::Bar", "-e", "1"},
			stderr: "Can't locate Foo/Bar.pm in @INC (you may need to install the Foo::Bar module) (@INC entries checked: /usr/local/lib/perl5/site_perl/5.42.0/x86_64-linux-gnu /usr/local/lib/perl5/site_perl/5.42.0 /usr/local/lib/perl5/vendor_perl/5.42.0/x86_64-linux-gnu /usr/local/lib/perl5/vendor_perl/5.42.0 /usr/local/lib/perl5/5.42.0/x86_64-linux-gnu /usr/local/lib/perl5/5.42.0).\nBEGIN failed--compilation aborted.\n", code: 2},
		{name: "unknown module in the program", argv: []string{"perl", "-e", "\nuse JSON; print 1"}, stderr: "Can't locate JSON.pm in @INC (you may need to install the JSON module) (@INC entries checked: /usr/local/lib/perl5/site_perl/5.42.0/x86_64-linux-gnu", code: 2},
		{name: "unsupported", argv: []string{"perl", "-e", "my $x = 1; print $x"},
			stderr: "kubeplay's perl image runs print and say of bpi(N), numbers and strings (the documentation's pi Job); it cannot run \"my $x = 1\" at -e line 1.\n", code: 255},
		{name: "interpolation is unsupported", argv: []string{"perl", "-e", `print "$ENV{HOME}\n"`}, stderr: "kubeplay's perl image runs print and say", code: 255},
		{name: "-n loops", argv: []string{"perl", "-ne", "print"}, stderr: "kubeplay's perl image cannot run -n's loop over the input at -e line 1.\n", code: 1},
		{name: "unterminated string", argv: []string{"perl", "-e", `print "x`}, stderr: "Can't find string terminator '\"' anywhere before EOF at -e line 1.\n", code: 255},
		{name: "no code for -e", argv: []string{"perl", "-e"}, stderr: "No code specified for -e.\n", code: 29},
		{name: "unknown switch", argv: []string{"perl", "-Q"}, stderr: "Unrecognized switch: -Q  (-h will show valid options).\n", code: 29},
		{name: "missing script", argv: []string{"perl", "/nope.pl"}, stderr: "Can't open perl script \"/nope.pl\": No such file or directory\n", code: 2},
		{name: "-v", argv: []string{"perl", "-v"}, stdout: "\nThis is perl 5, version 42, subversion 0 (v5.42.0) built for x86_64-linux-gnu\n"},
		{name: "only perl", argv: []string{"sh", "-c", "perl -v"}, stderr: "kubeplay: the perl image has perl only: exec: \"sh\": executable file not found in $PATH\n", code: 127},
		{name: "the image's default command", argv: []string{"perl5.42.0", "-de0"}, stdout: "\nLoading DB routines from perl5db.pl version 1.80\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.argv, strings.NewReader(tc.stdin), &stdout, &stderr)
			if strings.HasPrefix(tc.name, "-v") || strings.Contains(tc.name, "default command") {
				assert.True(t, strings.HasPrefix(stdout.String(), tc.stdout), stdout.String())
			} else {
				assert.Equal(t, tc.stdout, stdout.String(), "stdout")
			}
			assert.True(t, strings.HasPrefix(stderr.String(), tc.stderr), "stderr: %q", stderr.String())
			if tc.stderr == "" {
				assert.Empty(t, stderr.String())
			}
			assert.Equal(t, tc.code, code, "exit code")
		})
	}
}
