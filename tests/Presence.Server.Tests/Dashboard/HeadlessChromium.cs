using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Presence.Server.Tests.Dashboard;

/// <summary>
/// Debian's chromium, headless, driven through Debian's chromedriver (never one Selenium would download), with a
/// profile of its own that goes with it. Every wait is bounded.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    private static readonly string[] BrowserPaths = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"];
    private static readonly string[] DriverPaths = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];

    private readonly string _profile;

    private HeadlessChromium(ChromeDriver driver, string profile)
    {
        Driver = driver;
        _profile = profile;
    }

    public ChromeDriver Driver { get; }

    /// <summary>Starts the browser, or fails the test naming the script that installs it.</summary>
    public static HeadlessChromium Start()
    {
        string? browser = BrowserPaths.FirstOrDefault(File.Exists);
        string? driverPath = DriverPaths.FirstOrDefault(File.Exists);
        if (browser is null || driverPath is null)
        {
            Assert.Fail($"The dashboard's browser test needs Debian's chromium and chromium-driver ({(browser is null ? "no chromium" : "no chromedriver")} "
                + $"in {string.Join(", ", browser is null ? BrowserPaths : DriverPaths)}): run scripts/install-test-deps.sh as root "
                + "(or apt-get install chromium chromium-driver).");
        }
        // Selenium Manager must not look for (or fetch) anything: the browser and the driver are given.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        Environment.SetEnvironmentVariable("SE_AVOID_STATS", "true");
        string profile = Directory.CreateTempSubdirectory("presence-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = browser };
        options.AddArguments(
            "--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1300", "--hide-scrollbars",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile);
        // Chromium refuses to run as root with its sandbox on (the project's machines and CI run as root).
        if (Environment.UserName == "root")
            options.AddArgument("--no-sandbox");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
        driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(10);
        return new HeadlessChromium(driver, profile);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> and the page's text after <paramref name="within"/>.</summary>
    public async Task UntilAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            try
            {
                if (condition())
                    return;
            }
            catch (WebDriverException)
            {
                // An element replaced while it was read (the page re-renders every second): ask again.
            }
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Waited {(within ?? TimeSpan.FromSeconds(15)).TotalSeconds:0} s for {what}. The page shows:\n{PageText()}");
            await Task.Delay(100);
        }
    }

    // The page re-renders its tables every second, so an element found in one call may be gone by the next: text is
    // read in one script, in one turn of the page's event loop.

    /// <summary>The rendered text of the first element <paramref name="css"/> selects.</summary>
    public string Text(string css) =>
        Driver.ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css) as string
        ?? throw new NoSuchElementException("Nothing on the page matches " + css);

    /// <summary>The rendered text (or, with <paramref name="attribute"/>, that attribute) of every element <paramref name="css"/> selects.</summary>
    public IReadOnlyList<string> Texts(string css, string? attribute = null) =>
        (Driver.ExecuteScript(
            "const name = arguments[1]; return Array.from(document.querySelectorAll(arguments[0]), e => name ? e.getAttribute(name) : e.innerText);",
            css, attribute ?? string.Empty) as IEnumerable<object?> ?? []).Select(o => o?.ToString() ?? string.Empty).ToList();

    public string PageText()
    {
        try
        {
            return Driver.FindElement(By.TagName("body")).Text;
        }
        catch (WebDriverException ex)
        {
            return "(unreadable: " + ex.Message + ")";
        }
    }

    /// <summary>Saves a screenshot of the whole page under the test output directory and returns its path.</summary>
    public string Screenshot(string name)
    {
        // The window grows to the page's height, so that the picture has all of it.
        long page = Convert.ToInt64(Driver.ExecuteScript("return Math.ceil(document.documentElement.scrollHeight);"), CultureInfo.InvariantCulture);
        long viewport = Convert.ToInt64(Driver.ExecuteScript("return window.innerHeight;"), CultureInfo.InvariantCulture);
        if (page > viewport)
        {
            var size = Driver.Manage().Window.Size;
            Driver.Manage().Window.Size = new System.Drawing.Size(size.Width, size.Height + (int)(page - viewport));
        }
        string folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Driver.Quit();
        }
        finally
        {
            Driver.Dispose();
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
