@registry @internal
Feature: Service registry (connect mode)
  Services running in connect mode are listed in `<base>/services.json`, `<base>` being `~/.multifrost`
  unless MULTIFROST_HOME says otherwise. An entry is `{"port", "pid", "started"}`. Changes hold the lock file
  `services.lock` (created exclusively, holding the owner's pid), are written atomically, and never destroy
  a file they cannot read. These scenarios check the TypeScript registry: in memory on virtual time for the
  timing rules, and on the real file system (in a fresh temporary MULTIFROST_HOME) for files and modes.

  @must @MF-REG-1
  Scenario: The base directory is ~/.multifrost unless MULTIFROST_HOME is set
    Given a registry in a fresh MULTIFROST_HOME directory
    When this process registers "billing" on port 5555
    Then services.json in that directory lists "billing" on port 5555 with this process's pid
    And without MULTIFROST_HOME the base directory is ~/.multifrost

  @must @MF-REG-2
  Scenario: An entry holds port, pid and started in ISO 8601 UTC; readers accept start_time and extra keys
    Given a registry in a fresh MULTIFROST_HOME directory
    When this process registers "billing" on port 5555
    Then the entry of "billing" has exactly the keys port, pid and started, with started in ISO 8601 UTC
    When another program wrote the entry "go-svc" with start_time and an extra key for a live process on port 6000
    Then discovering "go-svc" gives port 6000

  @must @MF-REG-11 @MF-REG-6
  Scenario: The directory is private, the file is private, and writes replace the file atomically
    Given a registry in a fresh MULTIFROST_HOME directory
    When this process registers "billing" on port 5555
    And this process registers "search" on port 5556
    Then the directory has mode 0700 and services.json has mode 0600
    And each write replaced services.json by a new file and left no temporary file behind

  @must @MF-REG-7
  Scenario: A registry file that is not JSON is moved aside, never overwritten
    Given a registry in a fresh MULTIFROST_HOME directory
    And services.json holds the text {"billing": {"port": 55
    When this process tries to register "search" on port 5556
    Then it fails with code "MF_REGISTRY" naming services.json and the file it was moved to
    And the moved file holds the text {"billing": {"port": 55

  @must @MF-REG-3
  Scenario: Changes are made under an exclusively created lock holding the owner's pid
    Given a registry in memory on the virtual clock
    When this process registers "billing" on port 5555
    Then the lock was created exclusively with this process's pid on its first line, and removed afterwards

  @must @MF-REG-4
  Scenario Outline: A stale lock is broken: <why>
    Given a registry in memory on the virtual clock
    And the lock is held by <holder>, taken <age> ms ago
    When this process registers "billing" on port 5555
    Then the registration succeeded after <waited> ms of virtual time

    Examples:
      | why                        | holder              | age   | waited |
      | its owner is dead          | a dead process      | 0     | 0      |
      | it is 10 s old             | a live process      | 10000 | 0      |
      | it becomes 10 s old        | a live process      | 9500  | 500    |

  @must @MF-REG-5
  Scenario: Lock acquisition polls every 100 ms and fails with an error naming the lock file
    Given a registry in memory on the virtual clock, with a lock timeout of 2000 ms
    And the lock is held by a live process, taken 0 ms ago
    When this process tries to register "search" on port 5556
    Then it fails with code "MF_REGISTRY" naming services.lock after 2000 ms of virtual time
    And the lock was tried every 100 ms

  @must @MF-REG-8
  Scenario: Registration refuses an id held by a live process and takes over one held by a dead process
    Given a registry in memory on the virtual clock
    And a live process registered "billing" on port 7000
    When this process tries to register "billing" on port 5555
    Then it fails with code "MF_ALREADY_REGISTERED"
    When that process dies
    And this process registers "billing" on port 5555
    Then discovering "billing" gives port 5555

  @must @MF-REG-9
  Scenario: Unregister removes only an entry holding the caller's pid
    Given a registry in memory on the virtual clock
    And a live process registered "billing" on port 7000
    When this process unregisters "billing"
    Then discovering "billing" gives port 7000

  @must @MF-REG-10
  Scenario: Discovery polls until the service appears, and ignores dead processes
    Given a registry in memory on the virtual clock
    When this process starts discovering "billing" with a timeout of 5000 ms
    And a live process registers "billing" on port 7000 after 1550 ms
    Then the discovery gives port 7000 after 1600 ms of virtual time
    When that process dies
    Then discovering "billing" fails with code "MF_SERVICE_NOT_FOUND" after exactly 5000 ms

  @should @MF-REG-12
  Scenario: An entry with a wrong-typed field is ignored by discovery and kept by writers
    Given a registry in memory on the virtual clock
    And the registry file holds an entry "odd" whose port is the string "7000"
    When this process registers "billing" on port 5555
    Then discovering "odd" fails with code "MF_SERVICE_NOT_FOUND" after exactly 300 ms
    And the entry "odd" is still in the file, unchanged

  @should @MF-SEC-4
  Scenario: A registry file owned by another user is not trusted
    Given a registry in memory on the virtual clock
    And a live process registered "billing" on port 7000
    And the registry file now belongs to another user
    Then discovering "billing" fails with code "MF_REGISTRY" at once
