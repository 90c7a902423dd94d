import VTACLI

VTACommand.main()
